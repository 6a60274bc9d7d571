using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Snapshots;

/// <summary>Change records into the layer writer (its headers are tested in LayerTarWriterTests).</summary>
public sealed class ChangeTarWriterTests
{
    private static FileStat Stat(uint format, int mode = 0x1A4, int uid = 0, int gid = 0, long mtime = 1_800_000_000, long size = 0, ulong inode = 1, uint nlink = 1) =>
        new(format | (uint)mode, nlink, uid, gid, inode, size, mtime, 5, mtime, 7, 0, 0, 0, 0);

    private static (byte[] Bytes, LayerIndex Built) Write(IEnumerable<HostChange> records, long? epoch)
    {
        using var ms = new MemoryStream();
        LayerIndex built;
        using (var writer = new LayerTarWriter(ms, epoch))
        {
            ChangeTarWriter.Write(records, writer);
            built = writer.Finish();
        }

        return (ms.ToArray(), built);
    }

    [Fact]
    public void RecordsAreWrittenInTreeOrderWithTheirAttributesAndMtimesClamped()
    {
        var longName = "dir/" + new string('n', 120);
        var records = new List<HostChange>
        {
            new() { Path = "dir/xattr", Type = EntryType.Directory, Stat = Stat(LinuxNative.SIfDir), Xattrs = new(StringComparer.Ordinal) { ["user.a"] = [0xff, 0x00] } },
            new() { Path = longName, Type = EntryType.SymbolicLink, Stat = Stat(LinuxNative.SIfLnk, 0x1FF), LinkTarget = "t" },
            new() { Path = "dir", Type = EntryType.Directory, Stat = Stat(LinuxNative.SIfDir, 0x1ED) },
            new() { Path = "dir/big-id", Type = EntryType.SymbolicLink, Stat = Stat(LinuxNative.SIfLnk, 0x1FF, uid: 3_000_000), LinkTarget = "t" },
            new() { Path = "dir/gone", Type = EntryType.Whiteout, Stat = Stat(LinuxNative.SIfChr, 0) },
            new() { Path = "dir", Type = EntryType.OpaqueWhiteout, Stat = Stat(LinuxNative.SIfDir, 0x1ED) },
        };
        var (bytes, built) = Write(records, epoch: 1_700_000_000);
        var headers = TarHeaders.Read(bytes);

        Assert.Equal(new[] { "dir/", "dir/.wh..wh..opq", "dir/.wh.gone", "dir/big-id", longName, "dir/xattr/" }, headers.Select(h => h.Path));
        Assert.All(headers, h => Assert.Equal(1_700_000_000, h.Mtime));
        Assert.Equal(new byte[] { 0xff, 0x00 }, headers[5].Pax["SCHILY.xattr.user.a"]);
        Assert.Equal(new[] { "dir", "dir", "dir/gone", "dir/big-id", longName, "dir/xattr" }, built.Entries.Select(e => e.Path));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(LayerAssert.Index(bytes).ToJson()), System.Text.Encoding.UTF8.GetString(built.ToJson()));
    }

    [Fact]
    public void ARunThatCreatesAFileNamedLikeAWhiteoutIsRefusedNotWrittenAsOne()
    {
        var dir = Directory.CreateTempSubdirectory("lt-change-");
        try
        {
            // The overlay upper dir of a RUN, and the copied root of the fallback, each with a real '.wh.' file.
            Directory.CreateDirectory(Path.Combine(dir.FullName, "upper", "etc"));
            File.WriteAllText(Path.Combine(dir.FullName, "upper", "etc", ".wh.passwd"), "a real file");
            using (var writer = new LayerTarWriter(Stream.Null))
            {
                var error = LayerAssert.Throws("WhiteoutNameInLayer", () => OverlayDiff.Write(Path.Combine(dir.FullName, "upper"), writer));
                Assert.Contains("/etc/.wh.passwd", error.Message, StringComparison.Ordinal);
            }

            var root = Path.Combine(dir.FullName, "rootfs");
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            var before = RootfsDiff.Capture(root);
            File.WriteAllText(Path.Combine(root, "etc", ".wh..wh..opq"), "a real file");
            using (var writer = new LayerTarWriter(Stream.Null))
            {
                LayerAssert.Throws("WhiteoutNameInLayer", () => RootfsDiff.Write(root, before, new LayerTools.Core.Union.UnionView(), writer));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ASecondPathOfTheSameInodeIsAHardLinkToTheFirst()
    {
        var dir = Directory.CreateTempSubdirectory("lt-change-");
        try
        {
            var one = Path.Combine(dir.FullName, "one");
            File.WriteAllText(one, "shared");
            var records = new List<HostChange>
            {
                new() { Path = "b", Type = EntryType.File, Stat = Stat(LinuxNative.SIfReg, size: 6, inode: 42, nlink: 2), HostPath = one },
                new() { Path = "a", Type = EntryType.File, Stat = Stat(LinuxNative.SIfReg, size: 6, inode: 42, nlink: 2), HostPath = one },
                new() { Path = "c", Type = EntryType.File, Stat = Stat(LinuxNative.SIfReg, size: 6, inode: 43, nlink: 1), HostPath = one },
            };
            var (_, built) = Write(records, null);

            Assert.Equal((EntryType.File, (string?)null), (built.Entries[0].Type, built.Entries[0].LinkTarget));
            Assert.Equal((EntryType.HardLink, "a"), (built.Entries[1].Type, built.Entries[1].LinkTarget));
            Assert.Equal(built.Entries[0].Digest, built.Entries[1].Digest);
            Assert.Equal(EntryType.File, built.Entries[2].Type);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
