using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

/// <summary>
/// Layers whose PAX xattr values hold a newline and bytes that are not UTF-8 (a capability mask, a
/// v3 rootid can): they index, record their attributes, and extract with the exact bytes.
/// </summary>
public sealed class BinaryXattrTests : IDisposable
{
    /// <summary>security.capability v2 with cap_dac_override and cap_fowner permitted: the mask byte is 0x0a.</summary>
    private static readonly byte[] Capability = [0x01, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private static readonly byte[] Binary = [0x0a, 0x00, 0xff, (byte)'\n', (byte)'=', 0xc3, 0x28];

    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static byte[] WrittenLayer()
    {
        using var ms = new MemoryStream();
        using (var w = new LayerTarWriter(ms))
        {
            w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000, new Dictionary<string, byte[]> { ["user.dir"] = Binary });
            w.AddFile("app/ping", 0x1ED, 0, 0, 1_700_000_000, new MemoryStream("#!"u8.ToArray()), 2, new Dictionary<string, byte[]> { ["security.capability"] = Capability, ["user.bin"] = Binary, ["trusted.overlay.opaque"] = "y"u8.ToArray() });
            w.AddFile("app/plain", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream("p"u8.ToArray()), 1);
        }

        return ms.ToArray();
    }

    [Fact]
    public void OurLayerIndexesWithItsAttributesRecorded()
    {
        var tar = WrittenLayer();
        var index = LayerAssert.Index(tar);
        var ping = index.Entries.Single(e => e.Path == "app/ping");
        var xattrs = ping.DecodeXattrs()!;
        Assert.Equal(Capability, xattrs["security.capability"]);
        Assert.Equal(Binary, xattrs["user.bin"]);
        Assert.Equal(Binary, index.Entries.Single(e => e.Path == "app").DecodeXattrs()!["user.dir"]);
        Assert.Null(index.Entries.Single(e => e.Path == "app/plain").Xattrs);

        // The data offsets still point at the data.
        Assert.Equal("#!"u8.ToArray(), tar.AsSpan((int)ping.Offset, 2).ToArray());
    }

    [Fact]
    public void ApplyWritesTheExactBytesAndNeverOverlaysOwnAttributes()
    {
        var root = _f.PathOf("root");
        Directory.CreateDirectory(root);
        LayerExtractor.Apply(new MemoryStream(WrittenLayer()), root, "ours.tar");
        var ping = Path.Combine(root, "app/ping");
        Assert.Equal(Capability, LinuxNative.Lgetxattr(ping, "security.capability"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(ping, "user.bin"));
        Assert.Null(LinuxNative.Lgetxattr(ping, "trusted.overlay.opaque"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(Path.Combine(root, "app"), "user.dir"));
    }

    [Fact]
    public void OverlayExtractionWritesTheExactBytes()
    {
        var tar = WrittenLayer();
        var index = LayerAssert.Index(tar);
        var dir = _f.PathOf("lower");
        Directory.CreateDirectory(dir);
        LayerExtractor.ExtractOverlay(new MemoryStream(tar), index, dir, null, null);
        Assert.Equal(Capability, LinuxNative.Lgetxattr(Path.Combine(dir, "app/ping"), "security.capability"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(Path.Combine(dir, "app/ping"), "user.bin"));
    }

    [Fact]
    public void AGnuTarLayerOfARealFileWithACapabilityIndexesAndExtracts()
    {
        // setcap writes the mask 0x0a; the user attribute adds a newline and bytes that are not UTF-8.
        var src = _f.PathOf("src");
        Directory.CreateDirectory(Path.Combine(src, "bin"));
        var file = Path.Combine(src, "bin/tool");
        File.WriteAllText(file, "tool");
        Tool.Run("setcap", "cap_dac_override,cap_fowner+ep", file);
        Assert.Equal(0, LinuxNative.Lsetxattr(file, "user.bin", Binary));
        var capability = LinuxNative.Lgetxattr(file, "security.capability")!;
        Assert.Contains((byte)0x0a, capability);

        var tarFile = _f.PathOf("gnu.tar");
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-cf", tarFile, "-C", src, "bin");
        var tar = File.ReadAllBytes(tarFile);

        var index = LayerAssert.Index(tar);
        var tool = index.Entries.Single(e => e.Path == "bin/tool");
        Assert.Equal(capability, tool.DecodeXattrs()!["security.capability"]);
        Assert.Equal(Binary, tool.DecodeXattrs()!["user.bin"]);
        Assert.Equal("tool"u8.ToArray(), tar.AsSpan((int)tool.Offset, 4).ToArray());

        var root = _f.PathOf("root");
        Directory.CreateDirectory(root);
        LayerExtractor.Apply(new MemoryStream(tar), root, "gnu.tar");
        Assert.Equal(capability, LinuxNative.Lgetxattr(Path.Combine(root, "bin/tool"), "security.capability"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(Path.Combine(root, "bin/tool"), "user.bin"));
    }
}
