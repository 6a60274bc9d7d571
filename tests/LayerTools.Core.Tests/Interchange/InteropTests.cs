using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>An OCI layout made by umoci itself: busybox in a first layer, a deletion and an addition in a second, then a config change.</summary>
public sealed class UmociLayout : IDisposable
{
    public UmociLayout()
    {
        Root = Path.Combine(Path.GetTempPath(), "lt-umoci-" + Guid.NewGuid().ToString("N")[..12]);
        Layout = Path.Combine(Root, "layout");
        var bundle = Path.Combine(Root, "bundle");
        var image = Layout + ":app:1";
        Tool.Run("umoci", "init", "--layout", Layout);
        Tool.Run("umoci", "new", "--image", image);
        Tool.Run("umoci", "unpack", "--image", image, bundle);
        var rootfs = Path.Combine(bundle, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        Directory.CreateDirectory(Path.Combine(rootfs, "etc"));
        File.Copy("/usr/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "bin", "sh"), "busybox");
        File.WriteAllText(Path.Combine(rootfs, "etc", "hello"), "hello from umoci\n");
        File.WriteAllText(Path.Combine(rootfs, "etc", "gone"), "deleted in layer two\n");
        Tool.Run("umoci", "repack", "--image", image, bundle);

        // A fresh unpack, so that the next repack adds a second layer on top of the first.
        var bundle2 = Path.Combine(Root, "bundle2");
        Tool.Run("umoci", "unpack", "--image", image, bundle2);
        rootfs = Path.Combine(bundle2, "rootfs");
        File.Delete(Path.Combine(rootfs, "etc", "gone"));
        File.WriteAllText(Path.Combine(rootfs, "etc", "second"), "layer two\n");
        Tool.Run("umoci", "repack", "--image", image, bundle2);
        Tool.Run("umoci", "config", "--image", image, "--config.cmd", "/bin/sh", "--config.env", "HELLO=1");
        var manifest = JsonNode.Parse(Tool.Run("skopeo", "inspect", "--raw", "oci:" + image))!;
        ConfigDigest = (string)manifest["config"]!["digest"]!;
    }

    public string Root { get; }

    public string Layout { get; }

    public string ConfigDigest { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Images going between LayerTools and the real skopeo and umoci, in both directions.</summary>
public sealed class InteropTests : IClassFixture<UmociLayout>, IDisposable
{
    private readonly UmociLayout _umoci;
    private readonly InterchangeFixture _f = new();

    public InteropTests(UmociLayout umoci) => _umoci = umoci;

    public void Dispose() => _f.Dispose();

    private void AssertIsTheUmociImage(ImageCatalog catalog, string reference)
    {
        var stored = catalog.Resolve(reference);
        var loaded = catalog.Load(stored);
        Assert.Equal(_umoci.ConfigDigest, loaded.Id);
        Assert.Equal(2, loaded.LayerCount);
        Assert.Equal(["/bin/sh"], loaded.Config.Cmd);
        var union = catalog.Union(stored);
        Assert.Null(union.Lookup("etc/gone"));
        Assert.Equal(EntryType.File, union.Lookup("etc/second")!.Type);
        Assert.Equal(new FileInfo("/usr/bin/busybox").Length, union.Lookup("bin/busybox")!.Size);
        Assert.Equal("busybox", union.Lookup("bin/sh")!.LinkTarget);
    }

    [Fact]
    public void UmociLayout_ImportsWithUmocisImageId()
    {
        var imported = ImageImporter.Import(_f.Store, _umoci.Layout, null);

        Assert.Equal("app:1", Assert.Single(imported).Reference!.ToString());
        AssertIsTheUmociImage(_f.Catalog, "app:1");
    }

    [Fact]
    public void SkopeoDockerArchive_Imports()
    {
        var archive = _f.PathOf("skopeo-docker.tar");
        Tool.Run("skopeo", "copy", "oci:" + _umoci.Layout + ":app:1", "docker-archive:" + archive + ":docker.io/library/app:1");

        var imported = ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal("app:1", Assert.Single(imported).Reference!.ToString());
        AssertIsTheUmociImage(_f.Catalog, "app:1");
    }

    [Fact]
    public void SkopeoOciArchive_Imports()
    {
        var archive = _f.PathOf("skopeo-oci.tar");
        Tool.Run("skopeo", "copy", "oci:" + _umoci.Layout + ":app:1", "oci-archive:" + archive + ":team/app:2");

        var imported = ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal("team/app:2", Assert.Single(imported).Reference!.ToString());
        AssertIsTheUmociImage(_f.Catalog, "team/app:2");
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.None)]
    public void ExportedOciLayout_SkopeoCopiesAndUmociUnpacks(LayerCompression compression)
    {
        ImageImporter.Import(_f.Store, _umoci.Layout, null);
        var layout = _f.PathOf("exported");
        ImageExporter.Export(_f.Store, [_f.Catalog.Resolve("app:1")], layout, ExportFormat.OciLayout, compression);

        // skopeo checks every digest as it copies.
        Tool.Run("skopeo", "copy", "oci:" + layout + ":app:1", "oci:" + _f.PathOf("copied") + ":app:1");
        var bundle = _f.PathOf("bundle");
        Tool.Run("umoci", "unpack", "--image", layout + ":app:1", bundle);

        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("layer two\n", File.ReadAllText(Path.Combine(rootfs, "etc", "second")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc", "gone")));
        Assert.Equal(File.ReadAllBytes("/usr/bin/busybox"), File.ReadAllBytes(Path.Combine(rootfs, "bin", "busybox")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!;
        Assert.Equal("/bin/sh", (string?)config["process"]!["args"]![0]);
    }

    [Fact]
    public void ExportedDockerArchive_SkopeoReadsItAsDockerAndAsOci()
    {
        ImageImporter.Import(_f.Store, _umoci.Layout, null);
        var archive = _f.PathOf("dual.tar");
        ImageExporter.Export(_f.Store, [_f.Catalog.Resolve("app:1")], archive, ExportFormat.DockerArchive, LayerCompression.None);

        var asDocker = JsonNode.Parse(Tool.Run("skopeo", "inspect", "--config", "docker-archive:" + archive))!;
        Assert.Equal("HELLO=1", (string?)asDocker["config"]!["Env"]![0]);
        var asOci = JsonNode.Parse(Tool.Run("skopeo", "inspect", "oci-archive:" + archive + ":app:1"))!;
        Assert.Equal(2, asOci["Layers"]!.AsArray().Count);

        // The dir transport keeps blobs as they are (skopeo checks each digest on the way): the config is umoci's, byte for byte.
        var dir = _f.PathOf("via-skopeo");
        Tool.Run("skopeo", "copy", "docker-archive:" + archive, "dir:" + dir);
        Assert.True(File.Exists(Path.Combine(dir, Digests.Digest.Hex(_umoci.ConfigDigest))));
        foreach (var diffId in _f.Catalog.Load(_f.Catalog.Resolve("app:1")).Layers)
        {
            Assert.True(File.Exists(Path.Combine(dir, Digests.Digest.Hex(diffId))));
        }
    }

    [Fact]
    public void ExportedZstdLayers_SkopeoDecompresses()
    {
        ImageImporter.Import(_f.Store, _umoci.Layout, null);
        var archive = _f.PathOf("zstd.tar");
        ImageExporter.Export(_f.Store, [_f.Catalog.Resolve("app:1")], archive, ExportFormat.OciArchive, LayerCompression.Zstd);

        var manifest = JsonNode.Parse(Tool.Run("skopeo", "inspect", "--raw", "oci-archive:" + archive + ":app:1"))!;
        Assert.All(manifest["layers"]!.AsArray(), l => Assert.Equal(MediaTypes.OciLayerZstd, (string?)l!["mediaType"]));

        // Asked to decompress, skopeo must read every zstd layer; it names the results by their digests.
        var dir = _f.PathOf("decompressed");
        Tool.Run("skopeo", "copy", "--dest-decompress", "oci-archive:" + archive + ":app:1", "dir:" + dir);
        foreach (var diffId in _f.Catalog.Load(_f.Catalog.Resolve("app:1")).Layers)
        {
            var file = Path.Combine(dir, Digests.Digest.Hex(diffId));
            Assert.Equal(diffId, Digests.Digest.Of(File.ReadAllBytes(file)));
        }
    }
}
