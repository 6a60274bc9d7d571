using System.Formats.Tar;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Snapshots;

[Collection(RunnerCollection.Name)]
public sealed class LayerExtractorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lt-extract-" + Guid.NewGuid().ToString("N"));

    public LayerExtractorTests()
    {
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        SafeRoot.Openat2Override = null;
        SafeRoot.RemoveTree(_dir);
    }

    private string NewRoot()
    {
        var root = Path.Combine(_dir, "root" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return root;
    }

    private static void Apply(string root, TarBuilder tar)
    {
        using var stream = tar.ToStream();
        LayerExtractor.Apply(stream, root, "crafted.tar");
    }

    private static TarEntry Raw(TarEntryType type, string name, string? link = null, string content = "")
    {
        var e = new PaxTarEntry(type, name) { Mode = (UnixFileMode)0x1A4 };
        if (link is not null)
        {
            e.LinkName = link;
        }

        if (type == TarEntryType.RegularFile)
        {
            e.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        }

        return e;
    }

    public static IEnumerable<object[]> Resolvers() => new[] { new object[] { true }, new object[] { false } };

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void ASymlinkToTheHostRootCannotLeadAnEntryOutOfTheRoot(bool openat2)
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        SafeRoot.Openat2Override = openat2;
        var root = NewRoot();
        var marker = "lt-evil-" + Guid.NewGuid().ToString("N");
        var tar = new TarBuilder()
            .Symlink("x", "/")
            .Symlink("up", "../../../../../../..")
            .Entry(Raw(TarEntryType.Directory, "x/tmp/"))
            .Entry(Raw(TarEntryType.RegularFile, "x/tmp/" + marker, content: "evil"))
            .Entry(Raw(TarEntryType.RegularFile, "up/tmp/" + marker + "-2", content: "evil"))
            .Symlink("x/tmp/link-" + marker, "/etc/passwd");
        Apply(root, tar);

        Assert.False(File.Exists("/tmp/" + marker), "the entry escaped onto the host");
        Assert.False(File.Exists("/tmp/" + marker + "-2"), "the entry escaped onto the host");
        Assert.False(File.Exists("/tmp/link-" + marker) || new FileInfo("/tmp/link-" + marker).LinkTarget is not null);
        Assert.Equal("evil", File.ReadAllText(Path.Combine(root, "tmp", marker)));
        Assert.Equal("evil", File.ReadAllText(Path.Combine(root, "tmp", marker + "-2")));
        Assert.Equal("/", new FileInfo(Path.Combine(root, "x")).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Resolvers))]
    public void AHardLinkToAHostFileIsRefused(bool openat2)
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        SafeRoot.Openat2Override = openat2;
        var hostLinks = new FileInfo("/etc/passwd");
        var before = Stat("/etc/passwd").Nlink;
        var root = NewRoot();
        LayerAssert.Throws("HardLinkOutsideLayers", () => Apply(root, new TarBuilder().HardLink("pw", "/etc/passwd")));
        Assert.False(File.Exists(Path.Combine(root, "pw")));

        // Through a symlink to / as well: the target is looked up inside the root.
        var root2 = NewRoot();
        LayerAssert.Throws("HardLinkOutsideLayers", () => Apply(root2, new TarBuilder().Symlink("x", "/").HardLink("pw", "x/etc/passwd")));
        Assert.Equal(before, Stat("/etc/passwd").Nlink);

        // When the root has its own /etc/passwd, the link goes to that one.
        var root3 = NewRoot();
        Apply(root3, new TarBuilder().Dir("etc").File("etc/passwd", "root:x:0:0::/root:/bin/sh\n").HardLink("pw", "/etc/passwd"));
        Assert.Equal(Stat(Path.Combine(root3, "etc/passwd")).Inode, Stat(Path.Combine(root3, "pw")).Inode);
        Assert.NotEqual(Stat("/etc/passwd").Inode, Stat(Path.Combine(root3, "pw")).Inode);
        Assert.Equal(before, Stat("/etc/passwd").Nlink);
        _ = hostLinks;
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("a/../../evil")]
    [InlineData("/../../evil")]
    public void NamesThatClimbOutOfTheRootAreRefused(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        var root = NewRoot();
        LayerAssert.Throws("PathTraversal", () => Apply(root, new TarBuilder().Dir("a").Entry(Raw(TarEntryType.RegularFile, name, content: "x"))));
        Assert.False(File.Exists(Path.Combine(_dir, "evil")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_dir)!, "evil")));
    }

    [Fact]
    public void ReplacingTheRootWithAFileIsRefused()
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        LayerAssert.Throws("RootTypeChange", () => Apply(NewRoot(), new TarBuilder().Symlink("./", "/etc")));
    }

    [Fact]
    public void WhiteoutsDeleteAndOpaqueDirectoriesEmptyThemselvesDockersWay()
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        var root = NewRoot();
        Apply(root, new TarBuilder().Dir("d").File("d/x", "x").Dir("d/sub").File("d/sub/y", "y").File("z", "z").Dir("keep", mode: 0x1ED).File("keep/k", "k").Symlink("ln", "/"));
        Apply(root, new TarBuilder()
            .Whiteout("z")
            .Whiteout("ln")
            .File("d/new", "n")
            .Opaque("d")
            .Dir("keep", mode: 0x1C0, uid: 7, gid: 8)
            .Symlink("newlink", "keep/k"));

        Assert.False(File.Exists(Path.Combine(root, "z")));
        Assert.False(Path.Exists(Path.Combine(root, "ln")));
        Assert.Equal(new[] { "new" }, Directory.EnumerateFileSystemEntries(Path.Combine(root, "d")).Select(Path.GetFileName));
        Assert.Equal("k", File.ReadAllText(Path.Combine(root, "keep/k")));
        var keep = Stat(Path.Combine(root, "keep"));
        Assert.Equal(0x1C0, keep.Permissions);
        Assert.Equal(7, keep.Uid);
        Assert.Equal(8, keep.Gid);
        Assert.Equal("keep/k", new FileInfo(Path.Combine(root, "newlink")).LinkTarget);

        // A file over a directory replaces it and what was under it.
        Apply(root, new TarBuilder().File("keep", "now a file"));
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(root, "keep")));

        // A path beneath a file makes the file a directory, as the union view has it.
        Apply(root, new TarBuilder().File("keep/inner", "inner"));
        Assert.Equal("inner", File.ReadAllText(Path.Combine(root, "keep/inner")));
        var layers = new[] { new TarBuilder().File("keep", "f"), new TarBuilder().File("keep/inner", "inner") };
        var view = LayerTools.Core.Union.UnionView.Build(layers.Select(l => LayerAssert.Index(l.ToArray())));
        Assert.Equal(EntryType.Directory, view.Get("keep")!.Entry.Type);
    }

    [Fact]
    public void OwnersModesTimesDevicesAndXattrsAreApplied()
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        var root = NewRoot();
        var fifo = new PaxTarEntry(TarEntryType.Fifo, "p") { Mode = (UnixFileMode)0x180, Uid = 5, Gid = 6, ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000) };
        var dev = new PaxTarEntry(TarEntryType.CharacterDevice, "null") { Mode = (UnixFileMode)0x1B6, DeviceMajor = 1, DeviceMinor = 3 };
        var withXattr = new PaxTarEntry(TarEntryType.RegularFile, "x", new Dictionary<string, string> { ["SCHILY.xattr.user.note"] = "hello", ["SCHILY.xattr.trusted.overlay.opaque"] = "y" })
        {
            Mode = (UnixFileMode)0xDED,
            Uid = 1000,
            Gid = 1001,
            ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_500_000_000),
            DataStream = new MemoryStream(new byte[] { 1, 2, 3 }),
        };
        Apply(root, new TarBuilder().Entry(fifo).Entry(dev).Entry(withXattr).Dir("d", mode: 0x1C0).File("d/f", "f"));

        var x = Stat(Path.Combine(root, "x"));
        Assert.Equal(0xDED, x.Permissions);
        Assert.Equal(1000, x.Uid);
        Assert.Equal(1001, x.Gid);
        Assert.Equal(1_500_000_000, x.MtimeSeconds);
        Assert.Equal("hello"u8.ToArray(), LinuxNative.Lgetxattr(Path.Combine(root, "x"), "user.note"));
        Assert.Null(LinuxNative.Lgetxattr(Path.Combine(root, "x"), "trusted.overlay.opaque"));
        var p = Stat(Path.Combine(root, "p"));
        Assert.Equal(LinuxNative.SIfIfo, p.Format);
        Assert.Equal((5, 6, 0x180), (p.Uid, p.Gid, p.Permissions));
        var n = Stat(Path.Combine(root, "null"));
        Assert.Equal((LinuxNative.SIfChr, 1, 3), (n.Format, n.RdevMajor, n.RdevMinor));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), Stat(Path.Combine(root, "d")).MtimeSeconds);
    }

    [Fact]
    public void RemovingATreeNeverDeletesThroughAMountPoint()
    {
        if (!OperatingSystem.IsLinux())
        {
            LayerAssert.Throws("RunNeedsLinux", () => Apply(NewRoot(), new TarBuilder().Dir("a")));
            return;
        }

        var tree = NewRoot();
        var mountPoint = Path.Combine(tree, "sub", "mnt");
        Directory.CreateDirectory(mountPoint);
        var (code, _, error) = LayerTools.Core.HostFs.HostProcess.Run("mount", new[] { "-t", "tmpfs", "tmpfs", mountPoint });
        Assert.True(code == 0, error);
        try
        {
            File.WriteAllText(Path.Combine(mountPoint, "precious"), "keep");
            Assert.Throws<IOException>(() => SafeRoot.RemoveTree(tree));
            Assert.True(File.Exists(Path.Combine(mountPoint, "precious")));
        }
        finally
        {
            LinuxNative.Umount2(mountPoint, 0);
        }

        SafeRoot.RemoveTree(tree);
        Assert.False(Directory.Exists(tree));
    }

    internal static FileStat Stat(string path) =>
        LinuxNative.Stat(LinuxNative.AtFdCwd, path, LinuxNative.AtSymlinkNoFollow, out _) ?? throw new FileNotFoundException(path);
}
