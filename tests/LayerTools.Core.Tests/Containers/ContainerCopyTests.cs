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
}
