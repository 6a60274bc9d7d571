using System.Formats.Tar;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Snapshots;

[Collection(RunnerCollection.Name)]
public sealed class OverlaySnapshotTests
{
    private const long Epoch = 1_700_000_000;

    private static TarBuilder[] Layers() => new[]
    {
        new TarBuilder()
            .Dir("d").File("d/x", "x").Dir("d/sub").File("d/sub/y", "y")
            .File("z", "zzz").Dir("keep").File("keep/k", "kkk", mode: 0x1A4).Symlink("ln", "/")
            .Dir("a", mode: 0x1C0, uid: 3, gid: 4).Dir("a/b", mode: 0x1E8, uid: 5, gid: 6).File("a/b/old", "old")
            .Dir("gone").File("gone/1", "1").Dir("re").File("re/old", "old"),
        new TarBuilder()
            .Whiteout("z")
            .Opaque("d").File("d/new", "n")
            .Dir("keep", mode: 0x1C0, uid: 7, gid: 8)
            .HardLink("hl", "keep/k")
            .File("ln/etc/via-link", "resolved inside the root"),
    };

    /// <summary>"path type mode uid:gid detail" for every path of a real tree; hard links show as files.</summary>
    private static List<string> DescribeDisk(string directory)
    {
        var lines = new List<string>();
        HostTree.Walk(directory, (path, stat, host) =>
        {
            var type = stat.IsDirectory ? EntryType.Directory : stat.IsSymlink ? EntryType.SymbolicLink : EntryType.File;
            string? detail = null;
            if (stat.IsRegular)
            {
                using var data = HostTree.OpenRead(host);
                detail = Digest.Of(data);
            }
            else if (stat.IsSymlink)
            {
                detail = new FileInfo(host).LinkTarget;
            }

            lines.Add(BusyboxBase.Line(path, type, stat.Permissions, stat.Uid, stat.Gid, detail));
            return true;
        });
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static List<string> DescribeUnion(UnionView view)
    {
        var lines = view.Walk(string.Empty).Select(n =>
        {
            var e = n.Entry;
            var type = e.Type == EntryType.HardLink ? EntryType.File : e.Type;
            return BusyboxBase.Line(e.Path, type, e.Mode, e.Uid, e.Gid, type == EntryType.File ? e.Digest : e.LinkTarget);
        }).ToList();
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static (IReadOnlyList<string> DiffIds, List<LayerIndex> Indexes) Store(TempStore temp, params TarBuilder[] layers)
    {
        var ids = BusyboxBase.AddLayers(temp.Store, layers);
        return (ids, ids.Select(temp.Store.ReadLayerIndex).ToList());
    }

    private static OverlayMount MountFresh(TempStore temp, IReadOnlyList<string> lowers, out string merged)
    {
        var run = Path.Combine(temp.Parent, "run-" + Guid.NewGuid().ToString("N")[..8]);
        merged = Path.Combine(run, "merged");
        foreach (var d in new[] { "upper", "work", "merged" })
        {
            Directory.CreateDirectory(Path.Combine(run, d));
        }

        return OverlayMount.Mount(lowers, Path.Combine(run, "upper"), Path.Combine(run, "work"), merged);
    }

    [Fact]
    public void SnapshotsInOverlayFormMountAsTheUnionView()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => new SnapshotCache(temp.Store).Ensure(Array.Empty<string>()));
            return;
        }

        var (ids, indexes) = Store(temp, Layers());
        var cache = new SnapshotCache(temp.Store);
        var dirs = cache.Ensure(ids);
        Assert.Equal(ids.Select(cache.LayerDirectory), dirs);

        // The second layer's directory holds overlay's markers, not OCI names.
        var top = dirs[1];
        Assert.True(LayerExtractorTests.Stat(Path.Combine(top, "z")).IsOverlayWhiteout);
        Assert.Equal("y"u8.ToArray(), LinuxNative.Lgetxattr(Path.Combine(top, "d"), "trusted.overlay.opaque"));
        Assert.False(File.Exists(Path.Combine(top, "ln", "etc", "via-link")));
        Assert.True(File.Exists(Path.Combine(top, "etc", "via-link")));

        var expected = DescribeUnion(UnionView.Build(indexes));
        using (MountFresh(temp, dirs, out var merged))
        {
            Assert.Equal(expected, DescribeDisk(merged));
            // The image's setuid files and device nodes give nothing through the mount.
            var options = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Single(f => f[4] == merged)[5].Split(',');
            Assert.Contains("nosuid", options);
            Assert.Contains("nodev", options);
        }

        // A second Ensure reuses the snapshots as they are.
        var inode = LayerExtractorTests.Stat(dirs[0]).Inode;
        Assert.Equal(dirs, cache.Ensure(ids));
        Assert.Equal(inode, LayerExtractorTests.Stat(dirs[0]).Inode);
        Assert.Equal(0x1C0, LayerExtractorTests.Stat(cache.Root).Permissions);
    }

    [Fact]
    public void AStackTooLongForOneMountOptionPageMountsThroughShortLinks()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => new SnapshotCache(temp.Store).Ensure(Array.Empty<string>()));
            return;
        }

        var layers = Enumerable.Range(0, 80).Select(i => new TarBuilder().Dir("d").File("d/f" + i, "v" + i).File("top", "layer" + i)).ToArray();
        var (ids, indexes) = Store(temp, layers);
        var dirs = new SnapshotCache(temp.Store).Ensure(ids);
        using (MountFresh(temp, dirs, out var merged))
        {
            Assert.Equal(80, Directory.GetFiles(Path.Combine(merged, "d")).Length);
            Assert.Equal("layer79", File.ReadAllText(Path.Combine(merged, "top")));
            Assert.Equal(DescribeUnion(UnionView.Build(indexes)), DescribeDisk(merged));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UpperDirChangesRoundTripThroughALayerTarToTheSameTree(bool overlay)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => new SnapshotCache(temp.Store).Ensure(Array.Empty<string>()));
            return;
        }

        var (ids, indexes) = Store(temp, Layers());
        var lower = UnionView.Build(indexes);
        List<string> expected;
        (byte[] Bytes, LayerIndex Built) tar1, tar2;
        if (overlay)
        {
            var dirs = new SnapshotCache(temp.Store).Ensure(ids);
            string merged;
            var mount = MountFresh(temp, dirs, out merged);
            try
            {
                Change(merged);
                expected = DescribeDisk(merged);
            }
            finally
            {
                mount.Dispose();
            }

            tar1 = Write(w => OverlayDiff.Write(mount.Upper, w));
            tar2 = Write(w => OverlayDiff.Write(mount.Upper, w));
        }
        else
        {
            var rootfs = Path.Combine(temp.Parent, "rootfs");
            Directory.CreateDirectory(rootfs);
            foreach (var id in ids)
            {
                using var blob = temp.Store.OpenBlob(id);
                LayerExtractor.Apply(blob, rootfs, id);
            }

            Assert.Equal(DescribeUnion(lower), DescribeDisk(rootfs));
            var before = RootfsDiff.Capture(rootfs);
            Change(rootfs);
            expected = DescribeDisk(rootfs);
            tar1 = Write(w => RootfsDiff.Write(rootfs, before, lower, w));
            tar2 = Write(w => RootfsDiff.Write(rootfs, before, lower, w));
        }

        Assert.Equal(tar1.Bytes, tar2.Bytes);
        var layer = LayerAssert.Index(tar1.Bytes, lower);

        // RUN keeps the index the writer built; it must be the one the indexer reads back.
        Assert.Equal(System.Text.Encoding.UTF8.GetString(layer.ToJson()), System.Text.Encoding.UTF8.GetString(tar1.Built.ToJson()));
        var after = UnionView.Build(indexes.Append(layer));
        Assert.Equal(expected, DescribeUnion(after));

        var entries = layer.Entries.ToDictionary(e => (e.Type is EntryType.Whiteout or EntryType.OpaqueWhiteout ? e.Type + ":" : string.Empty) + e.Path);
        Assert.Contains("Whiteout:a/b/old", entries.Keys);
        Assert.Contains("Whiteout:gone", entries.Keys);
        Assert.DoesNotContain("Whiteout:gone/1", entries.Keys);
        Assert.Contains("a/b/c/new", entries.Keys);

        // The parents of a deep change come with the lower layer's mode and owner.
        Assert.Equal((0x1C0, 3, 4), (entries["a"].Mode, entries["a"].Uid, entries["a"].Gid));
        Assert.Equal((0x1E8, 5, 6), (entries["a/b"].Mode, entries["a/b"].Uid, entries["a/b"].Gid));
        Assert.Equal(EntryType.HardLink, entries["data/two"].Type);
        Assert.Equal("data/one", entries["data/two"].LinkTarget);
        Assert.All(layer.Entries, e => Assert.True(e.ModifiedTime <= Epoch));
        if (overlay)
        {
            Assert.Contains("OpaqueWhiteout:re", entries.Keys);
        }

        AssertTarIsCanonical(tar1.Bytes);
    }

    /// <summary>What the test's "command" does to the tree.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Change(string root)
    {
        File.Delete(Path.Combine(root, "a/b/old"));
        Directory.Delete(Path.Combine(root, "gone"), recursive: true);
        Directory.Delete(Path.Combine(root, "re"), recursive: true);
        Directory.CreateDirectory(Path.Combine(root, "re"));
        File.WriteAllText(Path.Combine(root, "re/fresh"), "fresh");
        Directory.CreateDirectory(Path.Combine(root, "a/b/c"));
        File.WriteAllText(Path.Combine(root, "a/b/c/new"), "new");
        File.SetUnixFileMode(Path.Combine(root, "keep/k"), (UnixFileMode)0x1C0);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "data/one"), "shared");
        File.CreateSymbolicLink(Path.Combine(root, "data/link"), "/keep/k");
        LinuxNative.Linkat(LinuxNative.AtFdCwd, Path.Combine(root, "data/one"), LinuxNative.AtFdCwd, Path.Combine(root, "data/two"));
    }

    private static (byte[] Bytes, LayerIndex Built) Write(Action<LayerTarWriter> write)
    {
        using var ms = new MemoryStream();
        LayerIndex built;
        using (var writer = new LayerTarWriter(ms, Epoch))
        {
            write(writer);
            built = writer.Finish();
        }

        return (ms.ToArray(), built);
    }

    private static void AssertTarIsCanonical(byte[] tar)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
            Assert.Equal(string.Empty, ((PosixTarEntry)e).UserName);
            Assert.Equal(string.Empty, ((PosixTarEntry)e).GroupName);
            Assert.Equal(TarEntryFormat.Ustar, e.Format);
            var parent = Path.GetDirectoryName(e.Name.TrimEnd('/'))!.Replace('\\', '/');
            if (parent.Length > 0)
            {
                Assert.Contains(parent + "/", names);
            }
        }

        var sorted = names.ToList();
        sorted.Sort(HostChange.CompareTarNames);
        Assert.Equal(sorted, names);
    }
}
