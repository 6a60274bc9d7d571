using System.Text;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;


namespace LayerTools.Core.Tests.Interchange;

public sealed class ImageImporterTests : IDisposable
{
    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void PlainDockerArchive_KeepsTheImageIdLayersAndNames()
    {
        var image = new SampleImage();
        var archive = _f.PathOf("plain.tar");
        Archives.PlainDockerArchive(image, ["docker.io/library/app:1", "app:latest"]).Save(archive);

        var imported = ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal(["app:1", "app:latest"], imported.Select(i => i.Reference!.ToString()));
        var loaded = _f.Catalog.Load(_f.Catalog.Resolve("app:1"));
        Assert.Equal(image.ConfigDigest, loaded.Id);
        Assert.Equal(image.DiffIds, loaded.Layers);
        Assert.Equal(["PATH=/bin", "MARKER=one"], loaded.Config.Env);
        Assert.Equal(image.Config, _f.Store.ReadBlob(loaded.Id, 1 << 20));
        Assert.Equal(image.Layer2, File.ReadAllBytes(_f.Store.BlobPath(image.DiffIds[1])));

        var union = _f.Catalog.Union(_f.Catalog.Resolve("app:latest"));
        Assert.Null(union.Lookup("etc/gone"));
        Assert.Equal(EntryType.HardLink, union.Lookup("etc/hello-again")!.Type);
        Assert.Equal(EntryType.SymbolicLink, union.Lookup("bin/alias")!.Type);
        Assert.Equal(3, _f.Catalog.History(_f.Catalog.Resolve("app:1")).Count);
    }

    [Fact]
    public void SkopeoStyleArchive_FollowsLayerLinksInsideTheArchive()
    {
        // skopeo and Docker write a layer once and link every other use of it.
        var image = new SampleImage();
        var l1 = Archives.Hex(image.Layer1) + ".tar";
        var l2 = Archives.Hex(image.Layer2) + ".tar";
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = Archives.Hex(image.Config) + ".json",
            ["RepoTags"] = new JsonArray("docker.io/team/app:2"),
            ["Layers"] = new JsonArray("aaaa/layer.tar", "bbbb/layer.tar"),
        });
        var archive = _f.PathOf("skopeo-style.tar");
        new TarBuilder()
            .File(l1, image.Layer1).File(l2, image.Layer2)
            .File(Archives.Hex(image.Config) + ".json", image.Config)
            .Symlink("aaaa/layer.tar", "../" + l1)
            .Symlink("bbbb/layer.tar", "/" + l2)
            .File("manifest.json", manifest.ToJsonString())
            .Save(archive);

        var imported = ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal("team/app:2", Assert.Single(imported).Reference!.ToString());
        Assert.Equal(image.ConfigDigest, _f.Catalog.Load(imported[0]).Id);
    }

    [Fact]
    public void CompressedLayers_AreReadAndTheirCompressedFormIsKept()
    {
        var image = new SampleImage();
        var gz = Archives.Gzip(image.Layer1);
        var zst = Archives.Zstd(image.Layer2);
        var compressed = new Queue<byte[]>([gz, zst]);
        var archive = _f.PathOf("compressed.tar");
        Archives.PlainDockerArchive(image, ["app:1"], _ => compressed.Dequeue()).Save(archive);

        ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal(image.DiffIds, _f.Catalog.Load(_f.Catalog.Resolve("app:1")).Layers);
        var gzipForm = CompressedLayerCache.TryGet(_f.Store, image.DiffIds[0], LayerCompression.Gzip);
        Assert.Equal(Digest.Of(gz), gzipForm?.Digest);
        Assert.Equal(gz, File.ReadAllBytes(_f.Store.BlobPath(Digest.Of(gz))));
        Assert.Equal(Digest.Of(zst), CompressedLayerCache.TryGet(_f.Store, image.DiffIds[1], LayerCompression.Zstd)?.Digest);
    }

    [Fact]
    public void OciLayoutFolder_ImportsEachNamedManifest_AndCountsOnlyRealNames()
    {
        var image = new SampleImage();
        var layout = _f.PathOf("layout");
        var (manifest, _) = Archives.WriteOciImage(layout, image, gzip: true);
        var withContainerdName = Archives.Describe(manifest, MediaTypes.OciManifest, "v1");
        withContainerdName["annotations"]![MediaTypes.ContainerdNameAnnotation] = "docker.io/library/web:v1";
        Archives.WriteIndex(layout,
            Archives.Describe(manifest, MediaTypes.OciManifest, "registry.example:5000/team/web:2"),
            withContainerdName,
            Archives.Describe(manifest, MediaTypes.OciManifest, "latest"));

        var imported = ImageImporter.Import(_f.Store, layout, null);

        Assert.Equal(["registry.example:5000/team/web:2", "web:v1"], imported.Select(i => i.Reference!.ToString()));
        Assert.Equal(image.ConfigDigest, _f.Catalog.Load(_f.Catalog.Resolve("web:v1")).Id);
        Assert.Equal(Digest.Of(Archives.Gzip(image.Layer1)), CompressedLayerCache.TryGet(_f.Store, image.DiffIds[0], LayerCompression.Gzip)?.Digest);
    }

    [Fact]
    public void OciArchive_GzippedTarOfALayout_IsRead()
    {
        var image = new SampleImage();
        var layout = _f.PathOf("layout");
        Archives.OciLayout(layout, image, "app:gz");
        var tar = _f.PathOf("layout.tar");
        Archives.TarFolder(layout, tar);
        File.WriteAllBytes(tar + ".gz", Archives.Gzip(File.ReadAllBytes(tar)));

        var imported = ImageImporter.Import(_f.Store, tar + ".gz", null);

        Assert.Equal("app:gz", Assert.Single(imported).Reference!.ToString());
        Assert.Equal(image.DiffIds, _f.Catalog.Load(imported[0]).Layers);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
    }

    [Fact]
    public void NestedIndex_TakesTheHostPlatform_AndSkipsAttestationsAndMissingPlatforms()
    {
        var image = new SampleImage();
        var layout = _f.PathOf("multi");
        var (manifest, _) = Archives.WriteOciImage(layout, image, gzip: false);
        var other = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"not\":\"stored\"}");
        var attestation = Archives.Describe(Encoding.UTF8.GetBytes("{}"), MediaTypes.OciManifest, platform: new JsonObject { ["os"] = "unknown", ["architecture"] = "unknown" });
        attestation["annotations"] = new JsonObject { ["vnd.docker.reference.type"] = "attestation-manifest" };
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(
                Archives.Describe(other, MediaTypes.OciManifest, platform: new JsonObject { ["os"] = "linux", ["architecture"] = "s390x" }),
                Archives.Describe(manifest, MediaTypes.OciManifest, platform: new JsonObject { ["os"] = "linux", ["architecture"] = HostPlatform.Architecture }),
                attestation),
        };
        var indexBytes = Encoding.UTF8.GetBytes(index.ToJsonString());
        Archives.WriteBlob(layout, indexBytes);
        var top = Archives.Describe(indexBytes, MediaTypes.OciIndex);
        top["annotations"] = new JsonObject { [MediaTypes.ContainerdNameAnnotation] = "docker.io/library/multi:1", [MediaTypes.RefNameAnnotation] = "1" };
        Archives.WriteIndex(layout, top);

        var imported = ImageImporter.Import(_f.Store, layout, null);

        Assert.Equal("multi:1", Assert.Single(imported).Reference!.ToString());
        Assert.Equal(image.ConfigDigest, _f.Catalog.Load(imported[0]).Id);
    }

    [Fact]
    public void LegacyArchive_WithoutManifestJson_BuildsTheConfigFromV1Json()
    {
        var layer1 = new TarBuilder().Dir("etc/").File("etc/base", "base").ToArray();
        var layer2 = new TarBuilder().File("etc/app", "app").ToArray();
        const string id1 = "1111111111111111111111111111111111111111111111111111111111111111";
        const string id2 = "2222222222222222222222222222222222222222222222222222222222222222";
        var json1 = $$"""{"id":"{{id1}}","created":"2015-01-01T00:00:00Z","container_config":{"Cmd":["/bin/sh","-c","#(nop) ADD file:base in /"]},"os":"linux","architecture":"amd64","Size":5}""";
        var json2 = $$$"""{"id":"{{{id2}}}","parent":"{{{id1}}}","created":"2015-01-02T00:00:00Z","author":"someone","container_config":{"Cmd":["/bin/sh","-c","echo app > /etc/app"]},"config":{"Env":["A=1"],"Cmd":["/bin/sh"]},"os":"linux","architecture":"amd64","docker_version":"1.9.1"}""";
        var archive = _f.PathOf("legacy.tar");
        new TarBuilder()
            .File(id1 + "/json", json1).File(id1 + "/layer.tar", layer1).File(id1 + "/VERSION", "1.0")
            .File(id2 + "/json", json2).File(id2 + "/layer.tar", layer2).File(id2 + "/VERSION", "1.0")
            .File("repositories", $$$"""{"old/app":{"1.0":"{{{id2}}}"}}""")
            .Save(archive);

        var imported = ImageImporter.Import(_f.Store, archive, null);

        Assert.Equal("old/app:1.0", Assert.Single(imported).Reference!.ToString());
        var stored = imported[0];
        var loaded = _f.Catalog.Load(stored);
        Assert.Equal([Digest.Of(layer1), Digest.Of(layer2)], loaded.Layers);
        Assert.Equal(["A=1"], loaded.Config.Env);
        Assert.Equal("amd64", loaded.Architecture);
        var history = _f.Catalog.History(stored);
        Assert.Equal(["/bin/sh -c #(nop) ADD file:base in /", "/bin/sh -c echo app > /etc/app"], history.Select(h => h.CreatedBy));
        Assert.Equal("someone", history[1].Author);
        var config = JsonNode.Parse(_f.Store.ReadBlob(loaded.Id, 1 << 20))!.AsObject();
        Assert.False(config.ContainsKey("id"));
        Assert.False(config.ContainsKey("parent"));
        Assert.False(config.ContainsKey("Size"));
        Assert.Equal("1.9.1", (string?)config["docker_version"]);
    }

    [Fact]
    public void RootFilesystemTar_NeedsATag_AndBecomesAOneLayerImage()
    {
        var rootfs = new TarBuilder().Dir("usr/").File("usr/readme", "rootfs").ToArray();
        var path = _f.PathOf("rootfs.tar.gz");
        File.WriteAllBytes(path, Archives.Gzip(rootfs));
        var before = InterchangeFixture.Snapshot(_f.Store);

        var error = Assert.Throws<LayerToolsException>(() => ImageImporter.Import(_f.Store, path, null));
        Assert.Equal("TagRequired", error.ErrorId);
        Assert.Equal(before, InterchangeFixture.Snapshot(_f.Store));

        var imported = ImageImporter.Import(_f.Store, path, ImageReference.Parse("rootfs:1"));

        var loaded = _f.Catalog.Load(Assert.Single(imported));
        Assert.Equal([Digest.Of(rootfs)], loaded.Layers);
        var history = Assert.Single(_f.Catalog.History(imported[0]));
        Assert.Equal("ADD rootfs.tar.gz /", history.CreatedBy);
        Assert.Equal("Imported by LayerTools", history.Comment);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void RootFilesystemFolder_IsWrittenAsALayer_WithTypesModesAndLinks()
    {
        var dir = _f.PathOf("rootfs");
        Directory.CreateDirectory(Path.Combine(dir, "usr", "bin"));
        File.WriteAllText(Path.Combine(dir, "usr", "bin", "tool"), "tool");
        File.SetUnixFileMode(Path.Combine(dir, "usr", "bin", "tool"), (UnixFileMode)0x1ED);
        File.WriteAllText(Path.Combine(dir, "empty"), string.Empty);
        File.CreateSymbolicLink(Path.Combine(dir, "bin"), "usr/bin");
        Tool.Run("mkfifo", Path.Combine(dir, "pipe"));

        var imported = ImageImporter.Import(_f.Store, dir, ImageReference.Parse("folder:1"));

        var layer = _f.Store.ReadLayerIndex(_f.Catalog.Load(Assert.Single(imported)).Layers[0]);
        var entries = layer.Entries.ToDictionary(e => e.Path);
        Assert.Equal(["bin", "empty", "pipe", "usr", "usr/bin", "usr/bin/tool"], layer.Entries.Select(e => e.Path));
        Assert.Equal(EntryType.SymbolicLink, entries["bin"].Type);
        Assert.Equal("usr/bin", entries["bin"].LinkTarget);
        Assert.Equal(EntryType.Fifo, entries["pipe"].Type);
        Assert.Equal(EntryType.File, entries["empty"].Type);
        Assert.Equal(0x1ED, entries["usr/bin/tool"].Mode);
        Assert.Equal(Digest.Of("tool"), entries["usr/bin/tool"].Digest);

        // The same folder gives the same layer again.
        var again = ImageImporter.Import(_f.Store, dir, ImageReference.Parse("folder:2"));
        Assert.Equal(_f.Catalog.Load(imported[0]).Layers, _f.Catalog.Load(again[0]).Layers);
    }

    [Fact]
    public void ALayerTheStoreHolds_IsNotReadFromTheArchive()
    {
        var image = new SampleImage();
        var full = _f.PathOf("full.tar");
        Archives.PlainDockerArchive(image, ["app:1"]).Save(full);
        ImageImporter.Import(_f.Store, full, null);

        // Same image, its first layer left out of the archive.
        var partial = _f.PathOf("partial.tar");
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = "config.json",
            ["RepoTags"] = new JsonArray("app:2"),
            ["Layers"] = new JsonArray("missing/layer.tar", "two/layer.tar"),
        });
        new TarBuilder().File("config.json", image.Config).File("two/layer.tar", image.Layer2).File("manifest.json", manifest.ToJsonString()).Save(partial);

        var imported = ImageImporter.Import(_f.Store, partial, null);

        Assert.Equal(image.ConfigDigest, _f.Catalog.Load(Assert.Single(imported)).Id);
        Assert.Equal(2, _f.Catalog.List().Count);
    }

    [Fact]
    public void ATagNamesOnlyASingleImage()
    {
        var archive = _f.PathOf("two.tar");
        var a = new SampleImage("a");
        var b = new SampleImage("b");
        var manifest = new JsonArray(
            new JsonObject { ["Config"] = "a.json", ["RepoTags"] = new JsonArray("a:1"), ["Layers"] = new JsonArray("a1", "a2") },
            new JsonObject { ["Config"] = "b.json", ["RepoTags"] = null, ["Layers"] = new JsonArray("b1", "b2") });
        new TarBuilder().File("a.json", a.Config).File("a1", a.Layer1).File("a2", a.Layer2)
            .File("b.json", b.Config).File("b1", b.Layer1).File("b2", b.Layer2)
            .File("manifest.json", manifest.ToJsonString()).Save(archive);

        var error = Assert.Throws<LayerToolsException>(() => ImageImporter.Import(_f.Store, archive, ImageReference.Parse("x:1")));
        Assert.Equal("TagNeedsOneImage", error.ErrorId);

        var imported = ImageImporter.Import(_f.Store, archive, null);
        Assert.Equal(["a:1", null], imported.Select(i => i.Reference?.ToString()));
        Assert.Equal(b.ConfigDigest, _f.Catalog.Load(_f.Catalog.Resolve(b.ConfigDigest)).Id);
    }

    [Fact]
    public void Progress_IsReportedAndCompleted()
    {
        var archive = _f.PathOf("plain.tar");
        Archives.PlainDockerArchive(new SampleImage(), ["app:1"]).Save(archive);
        var records = new List<OperationProgress>();

        ImageImporter.Import(_f.Store, archive, null, new SynchronousProgress(records.Add));

        Assert.Contains(records, r => r.IsChild && r.Completed);
        Assert.True(records[^1] is { IsChild: false, Completed: true, PercentComplete: 100 });
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value) => report(value);
}
