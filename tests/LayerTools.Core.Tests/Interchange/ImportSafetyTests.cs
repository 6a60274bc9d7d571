using System.Text;
using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Tests.Support;


namespace LayerTools.Core.Tests.Interchange;

/// <summary>Archives that are damaged, altered or hostile: each is refused with a stable error id, and the store is left exactly as it was.</summary>
public sealed class ImportSafetyTests : IDisposable
{
    private readonly InterchangeFixture _f = new();

    public ImportSafetyTests()
    {
        // Something already in the store, which a failed import must not disturb.
        var existing = _f.PathOf("existing.tar");
        Archives.PlainDockerArchive(new SampleImage("existing"), ["existing:1"]).Save(existing);
        ImageImporter.Import(_f.Store, existing, null);
    }

    public void Dispose() => _f.Dispose();

    private string Refused(string path, string errorId, ImageReference? tag = null)
    {
        var before = InterchangeFixture.Snapshot(_f.Store);
        var error = Assert.Throws<LayerToolsException>(() => ImageImporter.Import(_f.Store, path, tag));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(before, InterchangeFixture.Snapshot(_f.Store));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
        return error.Message;
    }

    private string DockerArchive(SampleImage image, byte[] layer1, byte[] layer2, string name = "bad.tar")
    {
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("bad:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        var path = _f.PathOf(name);
        new TarBuilder().File("c.json", image.Config).File("l1.tar", layer1).File("l2.tar", layer2).File("manifest.json", manifest.ToJsonString()).Save(path);
        return path;
    }

    [Fact]
    public void ALayerEntryClimbingOutOfTheRoot_IsRefused()
    {
        var evil = new TarBuilder().File("../../etc/cron.d/evil", "* * * * * root sh").ToArray();
        var image = new SampleImage();
        var layer2 = image.Layer2;
        var config = SampleImage.MakeConfig([evil, layer2], "evil");
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("evil:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        var path = _f.PathOf("evil.tar");
        new TarBuilder().File("c.json", config).File("l1.tar", evil).File("l2.tar", layer2).File("manifest.json", manifest.ToJsonString()).Save(path);

        var message = Refused(path, "PathTraversal");
        Assert.Contains("l1.tar", message);
    }

    [Fact]
    public void ALayerThatIsNotTheOneTheConfigNames_IsRefused()
    {
        var image = new SampleImage();
        var other = new SampleImage("other");
        var message = Refused(DockerArchive(image, image.Layer1, other.Layer2), "DiffIdMismatch");
        Assert.Contains("l2.tar", message);
    }

    [Fact]
    public void AnAlteredOciBlob_IsRefused()
    {
        var image = new SampleImage();
        var layout = _f.PathOf("layout");
        var (manifest, layers) = Archives.WriteOciImage(layout, image, gzip: false);
        Archives.WriteIndex(layout, Archives.Describe(manifest, MediaTypes.OciManifest, "x:1"));
        var blob = Path.Combine(layout, "blobs", "sha256", Archives.Hex(layers[1]));
        var bytes = File.ReadAllBytes(blob);
        var at = Array.IndexOf(bytes, (byte)'a');
        bytes[at] = (byte)'b';
        File.WriteAllBytes(blob, bytes);

        var message = Refused(layout, "DigestMismatch");
        Assert.Contains(Archives.Hex(layers[1]), message);
    }

    [Fact]
    public void AnAlteredOciManifest_IsRefused()
    {
        var layout = _f.PathOf("layout");
        Archives.OciLayout(layout, new SampleImage(), "x:1");
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifestPath = Path.Combine(layout, "blobs", "sha256", ((string)index["manifests"]![0]!["digest"]!)[7..]);
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"schemaVersion\":2", "\"schemaVersion\":2 ", StringComparison.Ordinal));

        Refused(layout, "DigestMismatch");
    }

    [Fact]
    public void ACompressedLayerWhoseBytesDoNotMatchItsDescriptor_IsRefused()
    {
        var image = new SampleImage();
        var layout = _f.PathOf("layout");
        var (manifest, layers) = Archives.WriteOciImage(layout, image, gzip: true);
        Archives.WriteIndex(layout, Archives.Describe(manifest, MediaTypes.OciManifest, "x:1"));
        // The same layer recompressed: same DiffID, different blob.
        var blob = Path.Combine(layout, "blobs", "sha256", Archives.Hex(layers[0]));
        File.WriteAllBytes(blob, Archives.Zstd(image.Layer1));

        Refused(layout, "DigestMismatch");
    }

    [Fact]
    public void ATruncatedGzipLayer_IsRefused()
    {
        var image = new SampleImage();
        var gz = Archives.Gzip(image.Layer1);
        Refused(DockerArchive(image, gz[..(gz.Length / 2)], image.Layer2), "CorruptLayer");
    }

    [Fact]
    public void AnOversizedManifestJson_IsRefused()
    {
        var path = _f.PathOf("huge.tar");
        new TarBuilder().File("manifest.json", "[" + new string(' ', 1 << 20) + "]").Save(path);
        Refused(path, "ArchiveEntryTooLarge");
    }

    [Fact]
    public void LinksInTheArchive_NeverLeaveIt()
    {
        var image = new SampleImage();
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("x:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        var path = _f.PathOf("links.tar");
        new TarBuilder()
            .Symlink("c.json", "../../../../../../etc/passwd")
            .Symlink("l1.tar", "/etc/hostname")
            .File("l2.tar", image.Layer2)
            .File("manifest.json", manifest.ToJsonString())
            .Save(path);

        var message = Refused(path, "ArchiveEntryNotFound");
        Assert.Contains("c.json", message);
    }

    [Fact]
    public void AnEntryNamedTwice_IsRefused()
    {
        var image = new SampleImage();
        var path = _f.PathOf("twice.tar");
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("x:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        new TarBuilder().File("c.json", image.Config).File("l1.tar", image.Layer1).File("l2.tar", image.Layer2)
            .File("manifest.json", manifest.ToJsonString()).File("./manifest.json", "[]").Save(path);

        Refused(path, "ArchiveDuplicateEntry");
    }

    [Fact]
    public void AMissingLayer_IsRefusedNamingIt()
    {
        var image = new SampleImage();
        var path = _f.PathOf("missing.tar");
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("x:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        new TarBuilder().File("c.json", image.Config).File("l1.tar", image.Layer1).File("manifest.json", manifest.ToJsonString()).Save(path);

        var message = Refused(path, "ArchiveEntryNotFound");
        Assert.Contains("layer 2 of 2", message);
    }

    [Fact]
    public void AConfigThatDoesNotMatchItsName_IsRefused()
    {
        var image = new SampleImage();
        var other = new SampleImage("other");
        var path = _f.PathOf("renamed.tar");
        var configName = Archives.Hex(other.Config) + ".json";
        var manifest = new JsonArray(new JsonObject { ["Config"] = configName, ["RepoTags"] = new JsonArray("x:1"), ["Layers"] = new JsonArray("l1.tar", "l2.tar") });
        new TarBuilder().File(configName, image.Config).File("l1.tar", image.Layer1).File("l2.tar", image.Layer2).File("manifest.json", manifest.ToJsonString()).Save(path);

        Refused(path, "DigestMismatch");
    }

    [Fact]
    public void ALayerCountThatDisagreesWithTheConfig_IsRefused()
    {
        var image = new SampleImage();
        var path = _f.PathOf("count.tar");
        var manifest = new JsonArray(new JsonObject { ["Config"] = "c.json", ["RepoTags"] = new JsonArray("x:1"), ["Layers"] = new JsonArray("l1.tar") });
        new TarBuilder().File("c.json", image.Config).File("l1.tar", image.Layer1).File("manifest.json", manifest.ToJsonString()).Save(path);

        Refused(path, "LayerCountMismatch");
    }

    [Fact]
    public void Bzip2_IsRefusedWithAHint()
    {
        var path = _f.PathOf("x.tar.bz2");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("BZh91AY&SY..........."));
        var message = Refused(path, "UnsupportedCompression");
        Assert.Contains("gzip or zstd", message);
    }

    [Fact]
    public void Cancelling_LeavesTheStoreAsItWas()
    {
        var path = _f.PathOf("ok.tar");
        Archives.PlainDockerArchive(new SampleImage(), ["ok:1"]).Save(path);
        var before = InterchangeFixture.Snapshot(_f.Store);
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.IsChild)
            {
                cts.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => ImageImporter.Import(_f.Store, path, null, progress, cts.Token));
        Assert.Equal(before, InterchangeFixture.Snapshot(_f.Store));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
    }

    [Fact]
    public void AMissingPath_IsReportedAsNotFound()
    {
        var error = Assert.Throws<LayerToolsException>(() => ImageImporter.Import(_f.Store, _f.PathOf("nope.tar"), null));
        Assert.Equal("ImportSourceNotFound", error.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, error.Kind);
    }
}
