using LayerTools.Core.Containers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Containers;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerCopyTests
{
    [Fact]
    public void HostFilesGoInWithModeAndLinksAsLinks()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        var src = Path.Combine(t.Parent, "site");
        Directory.CreateDirectory(Path.Combine(src, "css"));
        File.WriteAllText(Path.Combine(src, "index.html"), "<h1>hi</h1>");
        File.WriteAllText(Path.Combine(src, "css", "a.css"), "body{}");
        File.SetUnixFileMode(Path.Combine(src, "index.html"), (UnixFileMode)0x1E0);
        File.CreateSymbolicLink(Path.Combine(src, "passwd"), "/etc/passwd");
        File.SetLastWriteTimeUtc(Path.Combine(src, "index.html"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));

        LayerAssert.Throws("DirectoryNeedsRecurse", () => ContainerCopy.ToContainer(view, src, "/srv", recurse: false));
        view.CreateDirectory("/srv");
        Assert.Equal("/srv/site", ContainerCopy.ToContainer(view, src, "/srv", recurse: true));

        Assert.Equal("<h1>hi</h1>", Text(view, "/srv/site/index.html"));
        var index = view.Stat("/srv/site/index.html")!;
        Assert.Equal(0x1E0, index.Mode);
        Assert.Equal((0, 0), (index.Uid, index.Gid));
        Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero), index.ModifiedTime);
        Assert.Equal("body{}", Text(view, "/srv/site/css/a.css"));
        Assert.Equal(EntryType.SymbolicLink, view.Stat("/srv/site/passwd")!.Type);
        Assert.Equal("/etc/passwd", view.Stat("/srv/site/passwd")!.LinkTarget);
        LayerAssert.Throws("PathNotFound", () => view.OpenRead("/srv/site/passwd")); // the container has no /etc/passwd: the host's is never read
    }

    [Fact]
    public void ContainerFilesComeOutFromTheViewWithoutFollowingLinksOnTheHost()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        Write(view, "/opt/app/a", "changed a");
        view.Delete("/opt/app/b");
        var dest = Path.Combine(t.Parent, "out");
        Directory.CreateDirectory(dest);
        var victim = Path.Combine(t.Parent, "victim.txt");
        File.WriteAllText(victim, "untouched");
        Directory.CreateDirectory(Path.Combine(dest, "app"));
        File.CreateSymbolicLink(Path.Combine(dest, "app", "a"), victim); // a host link in the way

        Assert.Equal(Path.Combine(dest, "app"), ContainerCopy.FromContainer(view, "/opt/app", dest, recurse: true));

        Assert.Equal("untouched", File.ReadAllText(victim));
        Assert.Equal(EntryType.File, HostFile.LStat(Path.Combine(dest, "app", "a"))!.Value.Type);
        Assert.Equal("changed a", File.ReadAllText(Path.Combine(dest, "app", "a")));
        Assert.False(File.Exists(Path.Combine(dest, "app", "b")));
        Assert.Equal("c", File.ReadAllText(Path.Combine(dest, "app", "sub", "c")));

        var link = ContainerCopy.FromContainer(view, "/etc-link", dest, recurse: false);
        Assert.Equal("/etc", new FileInfo(link).LinkTarget);
        var file = ContainerCopy.FromContainer(view, "/usr/bin/tool-link", Path.Combine(dest, "tool"), recurse: false);
        Assert.Equal("tool v1", File.ReadAllText(file));
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(file));
        LayerAssert.Throws("DirectoryNeedsRecurse", () => ContainerCopy.FromContainer(view, "/etc", dest, recurse: false));
        LayerAssert.Throws("PathNotFound", () => ContainerCopy.FromContainer(view, "/nope", dest, recurse: false));
    }
    [Fact]
    public void AFailedCopyPutsBackTheFilesItOverwroteAndRemovesWhatItMade()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers);
        view.CreateDirectory("/srv/b/deep");
        Write(view, "/srv/a.txt", "old a");
        view.SetModifiedTime("/srv/a.txt", new DateTimeOffset(2019, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var inode = HostFile.LStat(Path.Combine(view.UpperDir, "srv", "a.txt"))!.Value.Inode;
        var before = UpperState(view);
        var described = Describe(view);

        // Host srv/ merges into /srv: a.txt overwrites the container's file, aa/ is new, then b (a file)
        // meets the container's directory /srv/b and the copy fails after it changed the container.
        var src = Path.Combine(t.Parent, "srv");
        Directory.CreateDirectory(Path.Combine(src, "aa"));
        File.WriteAllText(Path.Combine(src, "a.txt"), "new a");
        File.WriteAllText(Path.Combine(src, "aa", "f"), "f");
        File.WriteAllText(Path.Combine(src, "b"), "a file where a folder is");
        LayerAssert.Throws("IsADirectory", () => ContainerCopy.ToContainer(view, src, "/", recurse: true));
        Assert.Equal(before, UpperState(view));
        Assert.Equal(inode, HostFile.LStat(Path.Combine(view.UpperDir, "srv", "a.txt"))!.Value.Inode);
        Assert.Equal(described, Describe(containers.Open(view.Record.Id)));

        // An image file overwritten (copied up with its parents), then the same kind of failure: upper/ is as before.
        var opt = Path.Combine(t.Parent, "opt");
        Directory.CreateDirectory(Path.Combine(opt, "app"));
        File.WriteAllText(Path.Combine(opt, "app", "a"), "new image a");
        File.WriteAllText(Path.Combine(opt, "app", "sub"), "a file where the image has a folder");
        LayerAssert.Throws("IsADirectory", () => ContainerCopy.ToContainer(view, opt, "/", recurse: true));
        Assert.Equal(before, UpperState(view));
        Assert.Equal("a", Text(view, "/opt/app/a"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(view.Directory, ".copy*"));

        // With the obstacle gone the same copy goes in whole, each file moved in once.
        File.Delete(Path.Combine(src, "b"));
        ContainerCopy.ToContainer(view, src, "/", recurse: true);
        Assert.Equal("new a", Text(view, "/srv/a.txt"));
        Assert.Equal("f", Text(view, "/srv/aa/f"));
        Assert.Equal(EntryType.Directory, view.Stat("/srv/b/deep")!.Type);
    }

    /// <summary>Every entry of upper/ (type, mode, owner, size, mtime, data) and the whiteout record, byte for byte.</summary>
    private static List<string> UpperState(ContainerView view)
    {
        var lines = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(view.UpperDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var st = HostFile.LStat(path)!.Value;
            var data = st.Type == EntryType.File ? Convert.ToHexString(File.ReadAllBytes(path)) : string.Empty;
            var mtime = File.GetLastWriteTimeUtc(path).Ticks;
            lines.Add($"{Path.GetRelativePath(view.UpperDir, path)} {st.Type} {st.Mode} {st.Uid}:{st.Gid} {st.Size} {mtime} {data}");
        }

        var record = Path.Combine(view.Directory, WhiteoutRecord.FileName);
        lines.Add(File.Exists(record) ? Convert.ToHexString(File.ReadAllBytes(record)) : "no record");
        return lines;
    }
}
