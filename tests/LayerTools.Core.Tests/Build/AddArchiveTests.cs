using System.Diagnostics;
using System.Formats.Tar;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Build;

/// <summary>ADD of a local archive: extracted (plain, gzip, bzip2, xz; told apart by content), everything else copied.</summary>
public sealed class AddArchiveTests : IClassFixture<BuildFixture>
{
    private readonly BuildFixture _f;

    public AddArchiveTests(BuildFixture fixture) => _f = fixture;

    /// <summary>A context holding app.tar made by the tar CLI from a small tree, compressed by <paramref name="compressor"/> (null: plain).</summary>
    private string ContextWithArchive(string? compressor, string name)
    {
        var ctx = _f.Context();
        var tree = Path.Combine(ctx, "..", Path.GetFileName(ctx) + "-tree");
        Directory.CreateDirectory(Path.Combine(tree, "app", "lib"));
        File.WriteAllText(Path.Combine(tree, "app", "main.txt"), "main\n");
        File.WriteAllText(Path.Combine(tree, "app", "lib", "util.txt"), "util\n");
        File.CreateSymbolicLink(Path.Combine(tree, "app", "current"), "lib/util.txt");
        Sh($"chmod 750 '{tree}' && tar --owner=0 --group=0 -C '{tree}' -cf '{ctx}/raw.tar' .");
        Sh(compressor is null ? $"mv '{ctx}/raw.tar' '{ctx}/{name}'" : $"{compressor} -c '{ctx}/raw.tar' > '{ctx}/{name}' && rm '{ctx}/raw.tar'");
        return ctx;
    }

    private static void Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", new[] { "-c", command }) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, command + ": " + err);
    }

    [Theory]
    [InlineData(null, "plain.bin")]
    [InlineData("gzip", "archive.tgz")]
    [InlineData("bzip2", "no-extension")]
    [InlineData("xz", "app.tar.xz")]
    public void ALocalArchiveIsExtractedIntoTheDestinationWhateverItsName(string? compressor, string name)
    {
        var ctx = ContextWithArchive(compressor, name);
        var tag = "add-" + (compressor ?? "tar") + ":1";
        _f.Build(ctx, $"FROM busybox:test\nADD {name} /opt/x\n", tag);

        Assert.Equal("main\n", _f.Read(tag, "/opt/x/app/main.txt"));
        Assert.Equal("util\n", _f.Read(tag, "/opt/x/app/lib/util.txt"));
        var view = _f.View(tag);
        var destination = view.Get("opt/x")!.Entry;
        Assert.Equal((EntryType.Directory, 0x1E8), (destination.Type, destination.Mode)); // the archive's "./" (0750)
        Assert.Equal("lib/util.txt", view.Get("opt/x/app/current")!.Entry.LinkTarget);
        Assert.Null(view.Get("opt/x/" + name));
        var history = _f.Catalog.History(_f.Catalog.Resolve(tag));
        Assert.Equal($"ADD {name} /opt/x # buildkit", history[^1].CreatedBy);
    }

    [Fact]
    public void NonArchivesZstdAndUnpackFalseAreCopiedAsFiles()
    {
        var ctx = ContextWithArchive("gzip", "a.tar.gz");
        File.WriteAllText(Path.Combine(ctx, "notes.tar"), "just text, not a tar\n");
        Sh($"gzip -dc '{ctx}/a.tar.gz' | zstd -q -o '{ctx}/a.tar.zst'");
        Sh($"echo 'not a tar inside' | gzip -c > '{ctx}/text.gz'");
        _f.Build(ctx, "FROM busybox:test\nADD notes.tar a.tar.zst text.gz /files/\nADD --unpack=false a.tar.gz /kept/\n", "add-files:1");

        var view = _f.View("add-files:1");
        Assert.Equal("just text, not a tar\n", _f.Read("add-files:1", "/files/notes.tar"));
        Assert.Equal(EntryType.File, view.Get("files/a.tar.zst")!.Entry.Type);
        Assert.Equal(EntryType.File, view.Get("files/text.gz")!.Entry.Type);
        Assert.Null(view.Get("files/app"));
        Assert.Equal(new FileInfo(Path.Combine(ctx, "a.tar.gz")).Length, view.Get("kept/a.tar.gz")!.Entry.Size);
        Assert.Null(view.Get("kept/app"));
    }

    [Fact]
    public void AnArchivesBinaryExtendedAttributesReachTheLayer()
    {
        // GNU tar --xattrs of a real file whose attribute holds a newline and bytes that are not UTF-8.
        var ctx = _f.Context();
        var tree = Path.Combine(ctx, "..", Path.GetFileName(ctx) + "-xattr");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "tool"), "t");
        byte[] binary = [0x0a, 0x00, 0xff, (byte)'='];
        Assert.Equal(0, LinuxNative.Lsetxattr(Path.Combine(tree, "tool"), "user.bin", binary));
        Sh($"tar --xattrs --xattrs-include='*' --owner=0 --group=0 -C '{tree}' -cf '{ctx}/x.tar' tool");
        _f.Build(ctx, "FROM busybox:test\nADD x.tar /opt/\n", "add-xattr:1");

        var tool = _f.View("add-xattr:1").Get("opt/tool")!.Entry;
        Assert.Equal(binary, tool.DecodeXattrs()!["user.bin"]);
        Assert.Equal("t", _f.Read("add-xattr:1", "/opt/tool"));
    }

    [Fact]
    public void AnArchiveWithoutDirectoryEntriesGetsParentsAndKeepsTheImagesDirectories()
    {
        var ctx = _f.Context();
        new TarBuilder().File("a/b/c.txt", "c\n", uid: 7, gid: 8).HardLink("a/hard", "a/b/c.txt").File("/abs.txt", "abs\n").Save(Path.Combine(ctx, "flat.tar"));
        _f.Build(ctx, "FROM busybox:test\nADD flat.tar /home/app/\nADD --chown=app:staff flat.tar /owned\n", "add-flat:1");

        var view = _f.View("add-flat:1");
        var home = view.Get("home/app")!.Entry;
        Assert.Equal((1000, 1000), (home.Uid, home.Gid));
        Assert.Equal(EntryType.Directory, view.Get("home/app/a/b")!.Entry.Type);
        var c = view.Get("home/app/a/b/c.txt")!.Entry;
        Assert.Equal((7, 8), (c.Uid, c.Gid));
        Assert.Equal("abs\n", _f.Read("add-flat:1", "/home/app/abs.txt"));
        Assert.Equal("c\n", _f.Read("add-flat:1", "/home/app/a/hard"));
        Assert.Equal("home/app/a/b/c.txt", view.Get("home/app/a/hard")!.Entry.LinkTarget);
        var owned = view.Get("owned/a/b/c.txt")!.Entry;
        Assert.Equal((1000, 50), (owned.Uid, owned.Gid));

        var diffIds = _f.Load("add-flat:1").Layers;
        var layer = _f.Temp.Store.ReadLayerIndex(diffIds[^2]);
        var paths = layer.Entries.Select(e => e.Path).ToList();
        Assert.Equal(paths.Distinct().Count(), paths.Count);
        Assert.All(paths, p => Assert.True(TarPath.Parent(p).Length == 0 || paths.IndexOf(TarPath.Parent(p)) < paths.IndexOf(p), p + " before its parent"));
    }

    [Fact]
    public void PathsBeneathASymlinkOfTheArchiveStayInsideTheRoot()
    {
        var ctx = _f.Context();
        new TarBuilder().Symlink("etc-link", "/../../etc").File("etc-link/added", "inside\n").Save(Path.Combine(ctx, "links.tar"));
        _f.Build(ctx, "FROM busybox:test\nADD links.tar /opt/\n", "add-links:1");

        Assert.Equal("inside\n", _f.Read("add-links:1", "/etc/added"));
        Assert.Null(_f.View("add-links:1").Get("opt/etc-link/added"));
    }

    [Fact]
    public void TheCacheKeyIsTheArchiveContent()
    {
        var ctx = ContextWithArchive("gzip", "app.tgz");
        const string dockerfile = "FROM busybox:test\nADD app.tgz /srv/\n";
        _f.Build(ctx, dockerfile, "add-cache:1");
        File.SetLastWriteTimeUtc(Path.Combine(ctx, "app.tgz"), DateTime.UtcNow.AddDays(2));
        Assert.True(_f.Build(ctx, dockerfile, "add-cache:1").Steps[^1].Cached);

        new TarBuilder().File("other.txt", "other\n").Save(Path.Combine(ctx, "plain.tar"));
        Sh($"gzip -c '{ctx}/plain.tar' > '{ctx}/app.tgz'");
        var step = _f.Build(ctx, dockerfile, "add-cache:1").Steps[^1];
        Assert.False(step.Cached);
        Assert.Equal("other\n", _f.Read("add-cache:1", "/srv/other.txt"));
        Assert.Null(_f.View("add-cache:1").Get("srv/app"));
    }

    [Fact]
    public void AMaliciousArchiveFailsWithTheLineAndLeavesNoImage()
    {
        var ctx = _f.Context();
        new TarBuilder().File("ok.txt", "ok\n").File("../escape", "pwned\n").Save(Path.Combine(ctx, "evil.tar"));
        Sh($"gzip -c '{ctx}/evil.tar' > '{ctx}/evil.tgz'");
        new TarBuilder().File("x", "x").HardLink("y", "/etc/passwd").Save(Path.Combine(ctx, "hard.tar"));
        new TarBuilder().File("dir/.wh.passwd", string.Empty).Save(Path.Combine(ctx, "wh.tar"));
        var images = _f.Catalog.List().Count;

        var ex = LayerAssert.Throws("PathTraversal", () => _f.Build(ctx, "FROM busybox:test\nADD evil.tgz /opt/\n", "add-evil:1"));
        Assert.Contains("Dockerfile:2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("../escape", ex.Message, StringComparison.Ordinal);
        var hard = LayerAssert.Throws("HardLinkOutside", () => _f.Build(ctx, "FROM busybox:test\nADD hard.tar /opt/\n", "add-evil:1"));
        Assert.Contains("Dockerfile:2", hard.Message, StringComparison.Ordinal);
        LayerAssert.Throws("ArchiveWhiteoutName", () => _f.Build(ctx, "FROM busybox:test\nADD wh.tar /\n", "add-evil:1"));
        Assert.Equal(images, _f.Catalog.List().Count);
        Assert.Throws<LayerToolsException>(() => _f.Catalog.Resolve("add-evil:1"));
    }

    [Fact]
    public void TheEntryAndSizeCapsHold()
    {
        var tar = new TarBuilder().File("a", "12345").File("b", "12345").File("c", "12345").ToArray();
        void Extract(IngestLimits limits)
        {
            using var output = new MemoryStream();
            using var writer = new LayerTarWriter(output);
            new LayerTools.Core.Build.Copy.ArchiveUnpacker(writer, new LayerTools.Core.Union.UnionView(), Array.Empty<LayerTools.Core.Build.Copy.PlannedEntry>(), null, 0, limits)
                .Extract(new MemoryStream(tar), "dst", "caps.tar");
        }

        Extract(new IngestLimits { MaxEntries = 3, MaxLayerBytes = 15 });
        LayerAssert.Throws("TooManyEntries", () => Extract(new IngestLimits { MaxEntries = 2 }));
        LayerAssert.Throws("LayerTooLarge", () => Extract(new IngestLimits { MaxLayerBytes = 14 }));
    }

    [Fact]
    public void AddFromAUrlIsStillRefused()
    {
        var ctx = _f.Context();
        var ex = LayerAssert.Throws("AddUrlNotSupported", () => _f.Build(ctx, "FROM busybox:test\nADD https://example.invalid/a.tgz /\n", "add-url:1"));
        Assert.Contains("Dockerfile:2", ex.Message, StringComparison.Ordinal);
    }
}
