using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Images skopeo pushed to the real docker-registry pull into LayerTools with the same config, DiffIDs and manifest digest.</summary>
[Collection(RegistryCollection.Name)]
public sealed class RegistryPullTests : RegistryTestBase
{
    public RegistryPullTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Theory]
    [InlineData("oci", "gzip")]
    [InlineData("v2s2", "gzip")]
    [InlineData("oci", "zstd")]
    public void SkopeoPushedImagePullsWithItsDiffIdsAndByteExactManifest(string format, string compression)
    {
        var target = $"{Registries.Plain.Host}/pull/{format}-{compression}:1";
        var args = new List<string> { "copy", "--dest-tls-verify=false", "--format", format };
        var source = "oci:" + Umoci.Layout + ":app:1";
        var configDigest = Umoci.ConfigDigest;
        if (compression == "zstd")
        {
            // skopeo 1.9 recompresses only uncompressed layers, and reuses a gzip blob it once pushed
            // for the same content: a layer never pushed before, decompressed first.
            (source, configDigest) = UncompressedUniqueImage();
            args.AddRange(["--dest-compress-format", "zstd"]);
        }

        args.AddRange([source, "docker://" + target]);
        Tool.Run("skopeo", [.. args]);
        var raw = Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + target);
        var expectedDiffIds = JsonNode.Parse(Tool.Run("skopeo", "inspect", "--config", "--tls-verify=false", "docker://" + target))!["rootfs"]!["diff_ids"]!.AsArray().Select(d => (string)d!).ToList();
        var layerTypes = JsonNode.Parse(raw)!["layers"]!.AsArray().Select(l => (string)l!["mediaType"]!).ToList();
        Assert.All(layerTypes, t => Assert.EndsWith(compression == "zstd" ? "zstd" : "gzip", t, StringComparison.Ordinal));

        using var temp = new TempStore();
        var stored = RegistryFixture.Pull(temp.Store, target);
        var image = new ImageCatalog(temp.Store).Load(stored);

        Assert.Equal(target, image.Reference);
        Assert.Equal(configDigest, image.Id);
        Assert.Equal(expectedDiffIds, image.Layers);
        Assert.Equal(Digests.Digest.Of(System.Text.Encoding.UTF8.GetBytes(raw)), image.ManifestDigest);
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // Packed until first use, then unpacked (inflated, checked against the DiffIDs skopeo gave) by a store with no fetcher.
        Assert.All(expectedDiffIds, d => Assert.True(RemoteLayers.IsPacked(temp.Store, d)));
        var store = LayerStore.Open(temp.Root);
        Assert.Equal(expectedDiffIds[^1], store.ReadLayerIndex(expectedDiffIds[^1]).DiffId);
        Assert.All(expectedDiffIds, d => Assert.True(store.HasBlob(d)));
        Assert.Empty(StoreMaintenance.Verify(store));
    }

    [Fact]
    public void APulledLayerHasTheIndexAnImportOfTheSameLayerGives()
    {
        // A pull keeps the compressed blobs; the first read unpacks each layer over the layers below;
        // an import indexes each layer as it reads it: the same entries, offsets and file digests.
        var target = $"{Registries.Plain.Host}/pull/index-equal:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        using var pulled = new TempStore();
        var image = new ImageCatalog(pulled.Store).Load(RegistryFixture.Pull(pulled.Store, target));
        using var imported = new TempStore();
        ImageImporter.Import(imported.Store, Umoci.Layout, null);

        Assert.True(image.Layers.Count >= 2);
        Assert.Equal(image.Layers[^1], pulled.Store.ReadLayerIndex(image.Layers[^1]).DiffId);
        foreach (var diffId in image.Layers)
        {
            Assert.Equal(File.ReadAllText(imported.Store.LayerIndexPath(diffId)), File.ReadAllText(pulled.Store.LayerIndexPath(diffId)));
        }
    }

    [Fact]
    public void PullByDigestLeavesTheImageUntaggedAndUnknownTagsAreManifestUnknown()
    {
        var target = $"{Registries.Plain.Host}/pull/bydigest:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        var digest = Digests.Digest.Of(System.Text.Encoding.UTF8.GetBytes(Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + target)));
        using var temp = new TempStore();
        var stored = RegistryFixture.Pull(temp.Store, $"{Registries.Plain.Host}/pull/bydigest@{digest}");
        Assert.Null(stored.Reference);
        Assert.Equal(digest, stored.Manifest.Digest);

        var before = temp.Snapshot();
        var unknown = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, $"{Registries.Plain.Host}/pull/bydigest:nope"));
        Assert.Equal("ManifestUnknown", unknown.ErrorId);
        // distribution answers MANIFEST_UNKNOWN for a repository it never saw, too.
        var noRepo = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, $"{Registries.Plain.Host}/pull/none:1"));
        Assert.Equal("ManifestUnknown", noRepo.ErrorId);
        Assert.Equal(before, temp.Snapshot());
    }

    [Fact]
    public async Task AnIndexPicksTheHostPlatformOrTheOneAskedForAndNamesThePlatformsPresent()
    {
        // Two images that differ only in their config's architecture, under one index written here.
        var layout = Path.Combine(Umoci.Root, "arm64-" + Guid.NewGuid().ToString("N")[..8]);
        Tool.Run("skopeo", "copy", "oci:" + Umoci.Layout + ":app:1", "oci:" + layout + ":app:1");
        Tool.Run("umoci", "config", "--image", layout + ":app:1", "--architecture", "arm64");
        var repo = $"{Registries.Plain.Host}/pull/multi";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", $"docker://{repo}:amd64");
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":app:1", $"docker://{repo}:arm64");
        var entries = new JsonArray();
        foreach (var (tag, arch) in new[] { ("amd64", "amd64"), ("arm64", "arm64") })
        {
            var raw = System.Text.Encoding.UTF8.GetBytes(Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{repo}:{tag}"));
            entries.Add(new JsonObject
            {
                ["mediaType"] = MediaTypes.OciManifest,
                ["digest"] = Digests.Digest.Of(raw),
                ["size"] = raw.Length,
                ["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = arch },
            });
        }

        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = entries }.ToJsonString();
        using (var http = new HttpClient())
        {
            using var content = new StringContent(index);
            content.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciIndex);
            using var put = await http.PutAsync(new Uri($"http://{repo.Replace("/pull/multi", "/v2/pull/multi", StringComparison.Ordinal)}/manifests/both"), content);
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var host = catalog.Load(RegistryFixture.Pull(temp.Store, repo + ":both"));
        Assert.Equal(HostPlatform.Architecture, host.Architecture);
        var arm = catalog.Load(RegistryFixture.Pull(temp.Store, repo + ":both", platform: "linux/arm64"));
        Assert.Equal("arm64", arm.Architecture);
        Assert.Equal(host.Layers, arm.Layers);

        var missing = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, repo + ":both", platform: "linux/s390x"));
        Assert.Equal("PlatformNotFound", missing.ErrorId);
        Assert.Contains("linux/amd64, linux/arm64", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>A one-layer image whose layer no test pushed before, in a dir: layout with its layer uncompressed.</summary>
    private (string Source, string ConfigDigest) UncompressedUniqueImage()
    {
        var root = Path.Combine(Umoci.Root, "unique-" + Guid.NewGuid().ToString("N")[..8]);
        var image = Path.Combine(root, "layout") + ":u:1";
        Tool.Run("umoci", "init", "--layout", Path.Combine(root, "layout"));
        Tool.Run("umoci", "new", "--image", image);
        Tool.Run("umoci", "unpack", "--image", image, Path.Combine(root, "bundle"));
        File.WriteAllText(Path.Combine(root, "bundle", "rootfs", "unique"), Guid.NewGuid().ToString());
        Tool.Run("umoci", "repack", "--image", image, Path.Combine(root, "bundle"));
        var dir = Path.Combine(root, "plain");
        Tool.Run("skopeo", "copy", "--dest-decompress", "oci:" + image, "dir:" + dir);
        var config = (string)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!["config"]!["digest"]!;
        return ("dir:" + dir, config);
    }
}
