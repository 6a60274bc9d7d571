using LayerTools.Core.Containers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Containers;

public sealed class ContainerViewTests
{
    private static string[] UpperFiles(ContainerView view) =>
        Directory.EnumerateFileSystemEntries(view.UpperDir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(view.UpperDir, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void TheViewIsTheImageUntilSomethingIsWritten()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        Assert.Equal(Describe(t, new ContainerStore(t.Store).Catalog.Union(new ContainerStore(t.Store).Catalog.Resolve(Reference))), Describe(view));
        Assert.Equal("hello v2", Text(view, "/etc/motd"));
        Assert.Equal(1, view.Stat("/etc/motd")!.LayerIndex);
        Assert.Equal(0, view.Stat("etc")!.LayerIndex);
    }

    [Fact]
    public void ReadingNeverCopies()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers);
        Assert.Equal("hello v2", Text(view, "/etc/motd"));
        Assert.Equal("tool v1", Text(view, "/usr/bin/tool-link"));
        Assert.Equal("v1", Text(view, "/etc-link/conf"));
        Assert.Equal(new[] { "a", "b", "sub" }, view.List("/opt/app").Select(f => f.Name));
        Assert.NotNull(view.Stat("/opt/app/sub/c"));
        Assert.DoesNotContain(view.Walk("/"), f => f.LayerIndex == view.UpperLayerIndex);

        Assert.Empty(UpperFiles(view));
        Assert.Empty(view.Changes());
        Assert.False(containers.Open(view.Record.Id).HasChanges);
    }

    [Fact]
    public void CopyUpHappensOnceAndOnlyForTheFileWritten()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers);
        Write(view, "/etc/motd", " and more", append: true);
        var inode = HostFile.LStat(Path.Combine(view.UpperDir, "etc", "motd"))!.Value.Inode;
        Write(view, "/etc/motd", " again", append: true);

        Assert.Equal(new[] { "etc", "etc/motd" }, UpperFiles(view));
        Assert.Equal(inode, HostFile.LStat(Path.Combine(view.UpperDir, "etc", "motd"))!.Value.Inode);
        Assert.Equal("hello v2 and more again", Text(view, "/etc/motd"));
        Assert.Equal("v1", Text(view, "/etc/conf"));
        var etc = view.Stat("/etc")!;
        var lowerEtc = view.Lower.Get("etc")!.Entry;
        Assert.Equal((lowerEtc.Mode, lowerEtc.Uid, lowerEtc.Gid), (etc.Mode, etc.Uid, etc.Gid));
        Assert.Equal(view.UpperLayerIndex, view.Stat("/etc/motd")!.LayerIndex);

        // A fresh view sees the same state from disk.
        var again = containers.Open(view.Record.Id);
        Assert.Equal("hello v2 and more again", Text(again, "/etc/motd"));
        Assert.Equal(new[] { "/etc", "/etc/motd" }, again.Changes().Select(c => c.Path));
        Assert.All(again.Changes(), c => Assert.Equal(ChangeKind.Modified, c.Kind));
    }

    [Fact]
    public void ACopiedUpFileKeepsModeOwnerAndMtimeOfTheImage()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        var before = view.Stat("/opt/app/a")!;
        view.SetMode("/opt/app/a", 0x1A4);
        var after = view.Stat("/opt/app/a")!;
        Assert.Equal((1000, 1000), (after.Uid, after.Gid));
        Assert.Equal(before.ModifiedTime, after.ModifiedTime);
        var app = view.Stat("/opt/app")!;
        Assert.Equal((0x1E8, 1000, 1000), (app.Mode, app.Uid, app.Gid));
        Assert.Equal("a", Text(view, "/opt/app/a"));
    }

    [Fact]
    public void ChangingOwnerKeepsSetuidAndCopiesUpOnlyThatFile()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.SetMode("/usr/bin/tool", 0x9ED);
        view.SetOwner("/usr/bin/tool", 33, 44);
        var tool = view.Stat("/usr/bin/tool")!;
        Assert.Equal((0x9ED, 33, 44), (tool.Mode, tool.Uid, tool.Gid));
        Assert.Equal("-rwsr-xr-x", tool.ModeString);
        Assert.Equal("tool v1", Text(view, "/usr/bin/tool"));
        Assert.Equal(new[] { "usr", "usr/bin", "usr/bin/tool", "usr/bin/tool-link" }, UpperFiles(view));
        LayerAssert.Throws("CannotChangeRoot", () => view.SetMode("/", 0x1FF));
        LayerAssert.Throws("CannotDeleteRoot", () => view.Delete("/", recursive: true));
    }

    [Fact]
    public void DeletingAFileRecordsAWhiteoutAndHidesIt()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.Delete("/etc/conf");

        Assert.Null(view.Stat("/etc/conf"));
        Assert.DoesNotContain("conf", view.List("/etc").Select(f => f.Name));
        Assert.Equal(new[] { "etc/conf" }, view.Whiteouts.Deleted);
        Assert.Equal(new[] { "etc" }, UpperFiles(view));
        LayerAssert.Throws("PathNotFound", () => view.OpenRead("/etc/conf"));
        Assert.Equal(new[] { "C /etc", "D /etc/conf" }, view.Changes().Select(c => c.ToString()));
    }

    [Fact]
    public void DeletingADirectoryFromBelowWritesOneWhiteout()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        LayerAssert.Throws("DirectoryNotEmpty", () => view.Delete("/opt/app"));
        Write(view, "/opt/app/sub/new", "n");
        view.Delete("/opt/app/b");
        view.Delete("/opt/app", recursive: true);

        Assert.Equal(new[] { "opt/app" }, view.Whiteouts.Deleted);
        Assert.Empty(view.Whiteouts.Owners);
        Assert.Equal(new[] { "opt" }, UpperFiles(view));
        Assert.Null(view.Stat("/opt/app/sub/c"));
        Assert.Empty(view.List("/opt"));
        Assert.Equal(new[] { "C /opt", "D /opt/app" }, view.Changes().Select(c => c.ToString()));
    }

    [Fact]
    public void ADirectoryDeletedAndMadeAgainIsOpaque()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.Delete("/opt/app", recursive: true);
        view.CreateDirectory("/opt/app", 0x1C0);
        Write(view, "/opt/app/new", "n");

        Assert.Empty(view.Whiteouts.Deleted);
        Assert.Equal(new[] { "opt/app" }, view.Whiteouts.Opaque);
        Assert.Equal(new[] { "new" }, view.List("/opt/app").Select(f => f.Name));
        Assert.Null(view.Stat("/opt/app/a"));
        Assert.Equal(new[] { "C /opt", "C /opt/app", "D /opt/app/a", "D /opt/app/b", "A /opt/app/new", "D /opt/app/sub" }, view.Changes().Select(c => c.ToString()));
    }

    [Fact]
    public void AFileDeletedAndCreatedAgainIsAddedOverItsWhiteout()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.Delete("/etc/conf");
        Write(view, "/etc/conf", "v2");

        Assert.Equal("v2", Text(view, "/etc/conf"));
        Assert.Equal(new[] { "etc/conf" }, view.Whiteouts.Deleted);
        var conf = view.Stat("/etc/conf")!;
        Assert.Equal(0x1A4, conf.Mode); // a new file, not the old one's 0600
        Assert.Contains("C /etc/conf", view.Changes().Select(c => c.ToString()));
        view.Delete("/etc/conf");
        Assert.Null(view.Stat("/etc/conf"));
        Assert.Equal(new[] { "etc/conf" }, view.Whiteouts.Deleted);
    }

    [Fact]
    public void NewFilesAndDirectoriesAreAdded()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.CreateDirectory("/srv/www/html");
        Write(view, "/srv/www/html/index.html", "<h1>hi</h1>");
        view.CreateSymlink("/srv/current", "www/html");
        LayerAssert.Throws("ItemExists", () => view.CreateSymlink("/srv/current", "x"));
        LayerAssert.Throws("ParentNotFound", () => Write(view, "/nope/file", "x"));
        LayerAssert.Throws("IsADirectory", () => Write(view, "/etc", "x"));

        Assert.Equal("<h1>hi</h1>", Text(view, "/srv/current/index.html"));
        Assert.Equal(EntryType.SymbolicLink, view.Stat("/srv/current")!.Type);
        Assert.Equal("www/html", view.Stat("/srv/current")!.LinkTarget);
        Assert.Equal(
            new[] { "A /srv", "A /srv/current", "A /srv/www", "A /srv/www/html", "A /srv/www/html/index.html" },
            view.Changes().Select(c => c.ToString()));
    }

    [Fact]
    public void HardLinksCopiedUpKeepTheirLinkGroup()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        Write(view, "/usr/bin/tool-link", " patched", append: true);

        var tool = HostFile.LStat(Path.Combine(view.UpperDir, "usr", "bin", "tool"))!.Value;
        var link = HostFile.LStat(Path.Combine(view.UpperDir, "usr", "bin", "tool-link"))!.Value;
        Assert.Equal(tool.FileId, link.FileId);
        Assert.Equal("tool v1 patched", Text(view, "/usr/bin/tool"));
        Assert.Equal("tool v1 patched", Text(view, "/usr/bin/tool-link"));
        Assert.Equal(EntryType.File, view.Stat("/usr/bin/tool")!.Type);
        Assert.Equal(EntryType.HardLink, view.Stat("/usr/bin/tool-link")!.Type);
        Assert.Equal("usr/bin/tool", view.Stat("/usr/bin/tool-link")!.LinkTarget);
        Assert.Equal(0x1ED, view.Stat("/usr/bin/tool-link")!.Mode);
    }

    [Fact]
    public void NewHardLinksJoinTheGroupAndCommitAsTarHardLinks()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out var containers);
        view.CreateHardLink("/etc/motd-alias", "/etc/motd");
        view.CreateHardLink("/usr/bin/third", "/usr/bin/tool-link");
        Write(view, "/etc/motd-alias", "through the alias");

        Assert.Equal("through the alias", Text(view, "/etc/motd"));
        Assert.Equal(EntryType.HardLink, view.Stat("/etc/motd-alias")!.Type);
        Assert.Equal("etc/motd", view.Stat("/etc/motd-alias")!.LinkTarget);
        // The first name in tar order carries the data, whichever name came first in time.
        Assert.Equal(EntryType.File, view.Stat("/usr/bin/third")!.Type);
        Assert.Equal("usr/bin/third", view.Stat("/usr/bin/tool")!.LinkTarget);
        Assert.Equal("usr/bin/third", view.Stat("/usr/bin/tool-link")!.LinkTarget);
        LayerAssert.Throws("NotAFile", () => view.CreateHardLink("/etc/dir-link", "/etc"));
        LayerAssert.Throws("ItemExists", () => view.CreateHardLink("/etc/conf", "/etc/motd"));

        var image = containers.Commit(view.Record.Id, new CommitOptions { Tag = LayerTools.Core.Images.ImageReference.Parse("links:1") });
        var layer = t.Store.ReadLayerIndex(image.Layers[^1]);
        Assert.Contains(layer.Entries, e => e.Path == "etc/motd-alias" && e.Type == EntryType.HardLink && e.LinkTarget == "etc/motd");
        Assert.Contains(layer.Entries, e => e.Path == "usr/bin/tool" && e.Type == EntryType.HardLink && e.LinkTarget == "usr/bin/third");
        Assert.Equal(Describe(view), Describe(t, containers.Catalog.Union(containers.Catalog.Resolve("links:1"))));
    }

    [Fact]
    public void PathsAreReadAsInsideAChroot()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        Assert.Equal("hello v2", Text(view, "/../../etc/./motd"));
        Assert.Equal("hello v2", Text(view, "\\etc\\motd"));
        Assert.Equal("etc/motd", view.Resolve("usr/../../etc/motd", followLast: true));
        Assert.Equal(string.Empty, view.Resolve("/etc-link/..", followLast: false)); // the link is taken first: /etc, then up
        view.CreateDirectory("/srv/deep/dir");
        view.CreateSymlink("/srv/jump", "/srv/deep/dir");
        Assert.Equal("srv/deep/x", view.Resolve("/srv/jump/../x", followLast: false));
        LayerAssert.Throws("InvalidPath", () => view.Stat("/etc/\0motd"));
    }

    [Fact]
    public void SymbolicLinksResolveInsideTheRoot()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        var outside = "lt-escape-" + Guid.NewGuid().ToString("N");

        Write(view, "/escape/" + outside, "stays in");      // ../../../../../../tmp -> /tmp of the container
        Write(view, "/abs-escape/etc/" + outside, "root");  // /../../.. -> the container's root
        Write(view, "/etc-link/from-link", "via link");     // /etc -> the container's /etc

        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), outside)));
        Assert.False(File.Exists(Path.Combine("/tmp", outside)));
        Assert.Equal("stays in", Text(view, "/tmp/" + outside));
        Assert.Equal("root", Text(view, "/etc/" + outside));
        Assert.Equal("via link", Text(view, "/etc/from-link"));
        Assert.True(File.Exists(Path.Combine(view.UpperDir, "tmp", outside)));
        Assert.Equal(EntryType.SymbolicLink, view.Stat("/etc-link")!.Type); // the image's link is untouched
        Assert.DoesNotContain(view.Changes(), c => c.Path.StartsWith("/etc-link", StringComparison.Ordinal));

        // A link the container makes to a host folder also resolves inside the root.
        var hostDir = Directory.CreateTempSubdirectory("lt-host-").FullName;
        try
        {
            view.CreateSymlink("/hostlink", hostDir);
            LayerAssert.Throws("ParentNotFound", () => Write(view, "/hostlink/f", "x"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostDir));
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }

    [Fact]
    public void AHostLinkSlippedIntoTheUpperDirectoryIsNeverFollowed()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        Write(view, "/etc/motd", "mine");
        var hostDir = Directory.CreateTempSubdirectory("lt-host-").FullName;
        try
        {
            // Something replaced upper/etc behind the view's back with a link to a host folder.
            Directory.Delete(Path.Combine(view.UpperDir, "etc"), recursive: true);
            File.CreateSymbolicLink(Path.Combine(view.UpperDir, "etc"), hostDir);

            LayerAssert.Throws("UnsafeUpperPath", () => Write(view, "/etc/motd", "evil"));
            LayerAssert.Throws("UnsafeUpperPath", () => Write(view, "/etc/conf", "evil"));
            LayerAssert.Throws("UnsafeUpperPath", () => view.OpenRead("/etc/motd").Dispose());
            Assert.Empty(Directory.EnumerateFileSystemEntries(hostDir));
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }

    [Fact]
    public void TwoContainersOnOneImageNeverSeeEachOthersChanges()
    {
        using var t = new TempStore();
        Add(t);
        var containers = new ContainerStore(t.Store);
        containers.Create(Reference, "one");
        containers.Create(Reference, "two");
        var one = containers.Open("one");
        var two = containers.Open("two");
        Write(one, "/etc/motd", "one's");
        one.Delete("/opt/app", recursive: true);
        Write(two, "/etc/only-two", "two's");

        Assert.Equal("hello v2", Text(two, "/etc/motd"));
        Assert.NotNull(two.Stat("/opt/app/a"));
        Assert.Null(one.Stat("/etc/only-two"));
        Assert.Null(containers.Open("one").Stat("/etc/only-two"));
        Assert.Equal("hello v2", Text(containers.Open("two"), "/etc/motd"));
        Assert.Equal(new[] { "C /etc", "A /etc/only-two" }, two.Changes().Select(c => c.ToString()));
    }

    [Fact]
    public void CopyAndMoveWithinTheContainer()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _);
        view.Copy("/opt/app", "/srv", recursive: true);
        Assert.Equal(new[] { "a", "b", "sub" }, view.List("/srv").Select(f => f.Name));
        Assert.Equal((1000, 1000, 0x1E8), (view.Stat("/srv")!.Uid, view.Stat("/srv")!.Gid, view.Stat("/srv")!.Mode));
        Assert.Equal("c", Text(view, "/srv/sub/c"));
        Assert.Equal(1000, view.Stat("/srv/sub/c")!.Uid);
        LayerAssert.Throws("DirectoryNeedsRecurse", () => view.Copy("/opt/app", "/srv2"));

        view.Copy("/etc/conf", "/etc/conf.bak");
        Assert.Equal("v1", Text(view, "/etc/conf.bak"));
        Assert.Equal(0x180, view.Stat("/etc/conf.bak")!.Mode);

        // An image file moved: copied and whited out. A file of the writable layer: renamed in place.
        view.Move("/etc/motd", "/etc/motd.old");
        Assert.Null(view.Stat("/etc/motd"));
        Assert.Equal("hello v2", Text(view, "/etc/motd.old"));
        Assert.Contains("etc/motd", view.Whiteouts.Deleted);
        var inode = HostFile.LStat(Path.Combine(view.UpperDir, "etc", "conf.bak"))!.Value.Inode;
        view.Move("/etc/conf.bak", "/srv");
        Assert.Equal(inode, HostFile.LStat(Path.Combine(view.UpperDir, "srv", "conf.bak"))!.Value.Inode);
        Assert.Null(view.Stat("/etc/conf.bak"));
        Assert.DoesNotContain("etc/conf.bak", view.Whiteouts.Deleted);

        view.Move("/srv", "/data");
        Assert.Equal("c", Text(view, "/data/sub/c"));
        Assert.Equal(1000, view.Stat("/data/sub/c")!.Uid);
        Assert.Null(view.Stat("/srv"));
        LayerAssert.Throws("MoveIntoItself", () => view.Move("/data", "/data/sub"));
    }

    [Fact]
    public void WithoutChownOwnersAreKeptInTheRecord()
    {
        using var t = new TempStore();
        Add(t);
        var containers = new ContainerStore(t.Store);
        containers.Create(Reference, "c");
        var view = containers.Open("c");
        view.UseChown = false;
        Write(view, "/opt/app/a", "changed");

        Assert.Equal(new[] { 1000, 1000 }, view.Whiteouts.Owners["opt/app/a"]);
        Assert.Equal(new[] { 1000, 1000 }, view.Whiteouts.Owners["opt/app"]);
        var host = HostFile.LStat(Path.Combine(view.UpperDir, "opt", "app", "a"))!.Value;
        Assert.Equal(0, host.Uid); // the host file was not given away
        var reopened = containers.Open("c");
        Assert.Equal((1000, 1000), (reopened.Stat("/opt/app/a")!.Uid, reopened.Stat("/opt/app/a")!.Gid));
    }
}
