using System.Globalization;
using LayerTools.Core.Analysis;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

/// <summary>Host directories on Linux (the modes, owners and /proc they rely on are Unix).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DirectoryComparisonTests
{
    private const UnixFileMode Rw = (UnixFileMode)0x1A4;   // 0644
    private const UnixFileMode Rwx = (UnixFileMode)0x1ED;  // 0755

    /// <summary>The uid and gid files created by this process get (from /proc, so not through the code under test).</summary>
    private static (int Uid, int Gid) Me()
    {
        var lines = File.ReadAllLines("/proc/self/status");
        int Field(string name) => int.Parse(lines.First(l => l.StartsWith(name, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
        return (Field("Uid:"), Field("Gid:"));
    }

    private static void Write(string root, string relative, string content, UnixFileMode mode = Rw)
    {
        var path = Path.Combine(root, relative);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
    }

    private static string MakeDir(string root, string relative)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, Rwx);
        return path;
    }

    [Fact]
    public void AnImageAgainstAHostDirectoryFindsContentLinkAndModeChangesWithoutFollowingLinks()
    {
        using var t = new TempStore();
        var (uid, gid) = Me();
        var image = TestImages.Add(t.Store, "site:1", new TarBuilder()
            .Dir("etc", uid: uid, gid: gid)
            .File("etc/same", "same", uid: uid, gid: gid)
            .File("etc/samesize", "aaaa", uid: uid, gid: gid)
            .File("etc/bigger", "x", uid: uid, gid: gid)
            .File("etc/onlyimage", "i", uid: uid, gid: gid)
            .File("etc/private", "p", uid: uid, gid: gid)
            .Symlink("link", "etc/same", uid, gid)
            .Dir("empty", uid: uid, gid: gid));

        var host = MakeDir(t.Parent, "host");
        MakeDir(host, "etc");
        MakeDir(host, "empty");
        Write(host, "etc/same", "same");
        Write(host, "etc/samesize", "bbbb");
        Write(host, "etc/bigger", "xyz");
        Write(host, "etc/onlyhost", "h");
        Write(host, "etc/private", "p", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(host, "link"), "etc/bigger");
        File.CreateSymbolicLink(Path.Combine(host, "outside"), "/");

        var changes = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host));

        Assert.Equal(
            """
            /etc/bigger Modified Content
            /etc/onlyhost Added None
            /etc/onlyimage Removed None
            /etc/private MetadataChanged Mode
            /etc/samesize Modified Content
            /link MetadataChanged LinkTarget
            /outside Added None
            """.ReplaceLineEndings("\n"),
            string.Join("\n", changes.Select(c => $"{c.Path} {c.Change} {c.Details}")));
        var byPath = changes.ToDictionary(c => c.Path);
        Assert.Equal("content 1 → 3 bytes", byPath["/etc/bigger"].Description);
        Assert.Equal("mode -rw-r--r-- → -rw-------", byPath["/etc/private"].Description);
        Assert.Equal(EntryType.SymbolicLink, byPath["/outside"].DifferenceType);
        Assert.Equal(Path.GetFullPath(host), byPath["/outside"].Difference);

        // Content only: the mode and the link target no longer count.
        Assert.Equal(
            new[] { "/etc/bigger", "/etc/onlyhost", "/etc/onlyimage", "/etc/samesize", "/outside" },
            LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host), CompareProperty.Content).Select(c => c.Path));
    }

    [Fact]
    public void AFolderComparedWithALiteralPathStandsForThatDirectory()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "site:1", new TarBuilder()
            .Dir("etc").File("etc/hosts", "h")
            .Dir("app").File("app/index.html", "<p>").File("app/old.css", "c").Dir("app/js").File("app/js/a.js", "a"));
        var site = MakeDir(t.Parent, "site");
        MakeDir(site, "js");
        Write(site, "index.html", "<p>new");
        Write(site, "js/a.js", "a");
        Write(site, "new.txt", "n");

        var changes = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(site), CompareProperty.Content, "/app", folderAt: "/app");

        Assert.Equal(
            new[] { "/app/index.html Modified", "/app/new.txt Added", "/app/old.css Removed" },
            changes.Select(c => $"{c.Path} {c.Change}"));
        Assert.Equal("/app", PathWildcard.Literal("app/"));
        Assert.Null(PathWildcard.Literal("/etc/*.conf"));
        Assert.Null(PathWildcard.Literal("/"));
    }

    [Fact]
    public void HostOwnershipIsReadFromTheFileSystem()
    {
        using var t = new TempStore();
        var (uid, gid) = Me();
        var image = TestImages.Add(t.Store, "own:1", new TarBuilder()
            .File("mine", "m", uid: uid, gid: gid)
            .File("theirs", "t", uid: uid + 1, gid: gid + 2));
        var host = MakeDir(t.Parent, "host");
        Write(host, "mine", "m");
        Write(host, "theirs", "t");

        var changes = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host), CompareProperty.Metadata);

        var change = Assert.Single(changes);
        Assert.Equal("/theirs", change.Path);
        Assert.Equal(LayerChangeKind.MetadataChanged, change.Change);
        Assert.Equal(ChangeDetails.Uid | ChangeDetails.Gid, change.Details);
        Assert.Equal($"uid {uid + 1} → {uid}, gid {gid + 2} → {gid}", change.Description);

        // Where the tests run as root (CI here), give a host file other owners and read them back.
        if (uid == 0)
        {
            using (var chown = System.Diagnostics.Process.Start("chown", $"4321:8765 {Path.Combine(host, "mine")}"))
            {
                chown.WaitForExit();
                Assert.Equal(0, chown.ExitCode);
            }

            var owned = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host), CompareProperty.Metadata, "/mine");
            Assert.Equal("uid 0 → 4321, gid 0 → 8765", Assert.Single(owned).Description);
        }
    }

    [Fact]
    public void TwoDirectoriesCompareByContentDigestAndEntryKind()
    {
        using var t = new TempStore();
        var left = MakeDir(t.Parent, "left");
        var right = MakeDir(t.Parent, "right");
        var big = new byte[3 * 1024 * 1024];
        new Random(5).NextBytes(big);
        File.WriteAllBytes(Path.Combine(left, "big.bin"), big);
        big[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(right, "big.bin"), big);
        Write(left, "was-file", "f");
        MakeDir(right, "was-file");
        Write(right, "was-file/inner", "i");
        File.CreateSymbolicLink(Path.Combine(left, "dirlink"), left);
        MakeDir(right, "dirlink");

        var changes = LayerComparer.Compare(ComparisonTrees.Directory(left), ComparisonTrees.Directory(right), CompareProperty.Content);

        Assert.Equal(
            "/big.bin Modified Content|/dirlink TypeChanged Type|/was-file TypeChanged Type|/was-file/inner Added None",
            string.Join("|", changes.Select(c => $"{c.Path} {c.Change} {c.Details}")));
        Assert.Equal("symlink → directory", changes[1].Description);
    }

    [Fact]
    public void AFifoOnTheHostIsSeenAsAFifoAndNeverRead()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "pipe:1", new TarBuilder().File("pipe", "p"));
        var host = MakeDir(t.Parent, "host");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(host, "pipe")))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var change = Assert.Single(LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host)));

        Assert.Equal(LayerChangeKind.TypeChanged, change.Change);
        Assert.Equal(EntryType.Fifo, change.DifferenceType);
        Assert.Equal("file → fifo", change.Description);
    }

    [Fact]
    public void AHostDeviceNodeIsReadWithItsNumbers()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "dev:1", new TarBuilder().Entry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.CharacterDevice, "null")
        {
            DeviceMajor = 1,
            DeviceMinor = 5,
            Mode = (UnixFileMode)0x1B6,
            ModificationTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        }));
        var host = MakeDir(t.Parent, "host");
        File.CreateSymbolicLink(Path.Combine(host, "null"), "/dev/null");

        // A link to a device is a link, not the device.
        Assert.Equal(LayerChangeKind.TypeChanged, Assert.Single(LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory(host))).Change);

        // /dev itself holds /dev/null, character device 1,3, whoever runs the tests.
        var devices = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), ComparisonTrees.Directory("/dev"), CompareProperty.Content, "/null");
        var change = Assert.Single(devices);
        Assert.Equal(EntryType.CharDevice, change.DifferenceType);
        Assert.Equal("device 1,5 → 1,3", change.Description);
    }
}
