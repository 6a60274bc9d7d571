using System.IO.Compression;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// Two images whose layer has the same DiffID but different compressed blobs (the same tar compressed
/// twice, as different tools do), pulled into one store, against the real docker-registry: each image
/// stays whole (Test-LayerStore clean, a collect keeps both blobs, a push gives its own manifest digest),
/// and a pull that fails after its downloads changes nothing an earlier image relies on.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class PackedLayerSharingTests : RegistryTestBase
{
    public PackedLayerSharingTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Fact]
    public void TwoImagesWithTheSameLayerInTwoBlobsEachKeepTheirBlobAndPushAsTheyWerePulled()
    {
        var (diffId, one, two) = PushTwice("shared");
        using var temp = new TempStore();
        var first = RegistryFixture.Pull(temp.Store, one);
        var second = RegistryFixture.Pull(temp.Store, two);
        var (blobA, blobB) = (LayerOf(temp.Store, first), LayerOf(temp.Store, second));
        Assert.NotEqual(blobA, blobB);
        Assert.True(RemoteLayers.IsPacked(temp.Store, diffId));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // A collect keeps the blob each image's manifest names.
        StoreMaintenance.Collect(temp.Store, whatIf: false, dangling: true);
        Assert.True(temp.Store.HasBlob(blobA) && temp.Store.HasBlob(blobB));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // Each image pushes as it was pulled: its own blob, its own manifest digest, nothing unpacked.
        Assert.Equal(first.Manifest.Digest, Push(temp.Store, first, "shared-one"));
        Assert.Equal(second.Manifest.Digest, Push(temp.Store, second, "shared-two"));
        var layout = Path.Combine(temp.Parent, "layout");
        ImageExporter.Export(temp.Store, [first, second], layout, ExportFormat.OciLayout, LayerCompression.Gzip);
        Assert.All(new[] { blobA, blobB, first.Manifest.Digest, second.Manifest.Digest }, d => Assert.True(File.Exists(Path.Combine(layout, "blobs", "sha256", Digest.Hex(d)))));
        Assert.False(temp.Store.HasBlob(diffId));

        // The files unpack from a blob here, with no registry; then each image still pushes as it came.
        var store = LayerStore.Open(temp.Root);
        var said = new List<string>();
        store.RemoteFetcher = new RegistryLayerFetcher { Log = said.Add };
        Assert.Equal(diffId, store.ReadLayerIndex(diffId).DiffId);
        Assert.DoesNotContain(said, s => s.StartsWith("Fetching", StringComparison.Ordinal));
        Assert.Empty(StoreMaintenance.Verify(store));
        Assert.Equal(first.Manifest.Digest, Push(store, first, "shared-one-again"));
        Assert.Equal(second.Manifest.Digest, Push(store, second, "shared-two-again"));
        var unpacked = Path.Combine(temp.Parent, "unpacked");
        ImageExporter.Export(store, [first, second], unpacked, ExportFormat.OciLayout, LayerCompression.Gzip);
        Assert.All(new[] { blobA, blobB, first.Manifest.Digest, second.Manifest.Digest }, d => Assert.True(File.Exists(Path.Combine(unpacked, "blobs", "sha256", Digest.Hex(d)))));
        StoreMaintenance.Collect(store, whatIf: false, dangling: true);
        Assert.True(store.HasBlob(blobA) && store.HasBlob(blobB));
        Assert.Empty(StoreMaintenance.Verify(store));
    }

    [Fact]
    public void APullStoppedAfterItsDownloadsLeavesAnEarlierPackedLayerReadableWithNoRegistry()
    {
        var (diffId, one, two) = PushTwice("cancelled");
        using var temp = new TempStore();
        var first = RegistryFixture.Pull(temp.Store, one);
        var blobA = LayerOf(temp.Store, first);
        var record = File.ReadAllBytes(RemoteLayers.RecordPath(temp.Store, diffId));

        // The second pull fails when it is about to commit (as a Ctrl+C there would): its downloads were done and thrown away.
        var parsed = ImageReference.Parse(two);
        using (var client = new RegistryClient(RegistryEndpoint.For(parsed), new RegistryOptions()))
        {
            var progress = new Synchronous(p =>
            {
                if (p.Status.StartsWith("Committing", StringComparison.Ordinal))
                {
                    throw new OperationCanceledException("stopped before the commit");
                }
            });
            Assert.Throws<OperationCanceledException>(() => ImagePuller.Pull(temp.Store, client, parsed, null, progress, CancellationToken.None));
        }

        Assert.Equal(record, File.ReadAllBytes(RemoteLayers.RecordPath(temp.Store, diffId)));
        Assert.Equal(blobA, RemoteLayers.PackedBlob(temp.Store, diffId));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
        Assert.Equal(first.Manifest.Digest, Push(temp.Store, first, "cancelled-one"));

        // Readable with no registry at all: a store with no fetcher unpacks the blob here.
        var plain = LayerStore.Open(temp.Root);
        Assert.Null(plain.RemoteFetcher);
        Assert.Equal(diffId, plain.ReadLayerIndex(diffId).DiffId);
        Assert.Empty(StoreMaintenance.Verify(plain));
    }

    [Fact]
    public void TwoManifestOnlyPullsOfOneLayerInTwoBlobsLeaveBothImagesWholeAndEachMountsItsOwnBlob()
    {
        var (diffId, one, two) = PushTwice("manifests");
        using var temp = new TempStore();
        var first = PullManifest(temp.Store, one);
        var path = RemoteLayers.RecordPath(temp.Store, diffId);
        Assert.DoesNotContain("others", File.ReadAllText(path), StringComparison.Ordinal);
        var second = PullManifest(temp.Store, two);
        var (blobA, blobB) = (LayerOf(temp.Store, first), LayerOf(temp.Store, second));
        Assert.NotEqual(blobA, blobB);

        // One record names both blobs, the first one first (what an older LayerTools reads); neither is in the store.
        var record = RemoteLayers.Get(temp.Store, diffId)!;
        Assert.Equal([blobA, blobB], record.Sources.Select(s => s.Blob.Digest));
        Assert.True(RemoteLayers.IsInRegistry(temp.Store, diffId));
        Assert.False(temp.Store.HasBlob(blobA) || temp.Store.HasBlob(blobB));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
        Assert.Contains("others", File.ReadAllText(path), StringComparison.Ordinal);

        // Each image mounts its own blob from its own repository: the same manifest digest, no byte uploaded.
        foreach (var (image, repository) in new[] { (first, "manifests-one-copy"), (second, "manifests-two-copy") })
        {
            var pushed = PushImage(temp.Store, image, repository);
            Assert.Equal((image.Manifest.Digest, 0), (pushed.Digest, pushed.Uploaded));
            Assert.True(pushed.Mounted >= 1);
        }

        // A manifest-only pull of the first image again changes nothing; a collect keeps the record while an image lists the layer.
        PullManifest(temp.Store, one);
        Assert.Equal([blobA, blobB], RemoteLayers.Get(temp.Store, diffId)!.Sources.Select(s => s.Blob.Digest));
        StoreMaintenance.Collect(temp.Store, whatIf: false, dangling: true);
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // A full pull of the second image keeps its blob here: the layer unpacks from it, with no registry.
        RegistryFixture.Pull(temp.Store, two);
        Assert.Equal(blobB, RemoteLayers.PackedBlob(temp.Store, diffId));
        var plain = LayerStore.Open(temp.Root);
        Assert.Equal(diffId, plain.ReadLayerIndex(diffId).DiffId);
        Assert.Empty(StoreMaintenance.Verify(plain));
    }

    [Fact]
    public void AFetchWhoseBlobIsGoneFromItsRepositoryTakesTheLayerFromAnotherBlobItsRecordNames()
    {
        var (diffId, one, two) = PushTwice("gone");
        using var temp = new TempStore();
        var first = PullManifest(temp.Store, one);
        var second = PullManifest(temp.Store, two);
        var (blobA, blobB) = (LayerOf(temp.Store, first), LayerOf(temp.Store, second));
        DeleteBlob("packed/gone-one", blobA);

        // The record names blob A of packed/gone-one first: it is gone, so the layer comes from packed/gone-two's blob B.
        var store = LayerStore.Open(temp.Root);
        var said = new List<string>();
        store.RemoteFetcher = new RegistryLayerFetcher { Log = said.Add };
        Assert.Equal(diffId, store.ReadLayerIndex(diffId).DiffId);
        Assert.Contains(said, s => s.Contains($"packed/gone-one no longer has blob {blobA}", StringComparison.Ordinal) && s.Contains($"packed/gone-two ({blobB})", StringComparison.Ordinal));
        Assert.True(store.HasBlob(diffId));
        Assert.Empty(StoreMaintenance.Verify(store));

        // With every blob the record names gone, the fetch fails with the registry's own error and changes nothing.
        using var fresh = new TempStore();
        PullManifest(fresh.Store, one);
        PullManifest(fresh.Store, two);
        DeleteBlob("packed/gone-two", blobB);
        var before = InterchangeFixture.Snapshot(fresh.Store);
        var again = LayerStore.Open(fresh.Root);
        again.RemoteFetcher = new RegistryLayerFetcher();
        var error = Assert.Throws<LayerToolsException>(() => again.ReadLayerIndex(diffId));
        Assert.Equal("BlobUnknown", error.ErrorId);
        Assert.Equal(before, InterchangeFixture.Snapshot(fresh.Store));
    }

    private void DeleteBlob(string repository, string digest)
    {
        using var http = new HttpClient();
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Delete, $"http://{Registries.Plain.Host}/v2/{repository}/blobs/{digest}"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>One layer tar pushed as two images: gzip at the usual level, and gzip of stored (uncompressed) deflate blocks.</summary>
    private (string DiffId, string One, string Two) PushTwice(string name)
    {
        var tar = new TarBuilder().Dir("etc/").File("etc/shared", string.Concat(Enumerable.Repeat("the same base layer\n", 200))).ToArray();
        var diffId = Digest.Of(tar);
        var config = ConfigDocument.Create([diffId], [new(DateTimeOffset.UnixEpoch, "ADD shared /", null, null, false)], DateTimeOffset.UnixEpoch);
        var host = Registries.Plain.Host;
        PackedLayerTests.PushRaw(host, $"packed/{name}-one", config, [RegistrySecurityTests.Gzip(tar)], out _);
        PackedLayerTests.PushRaw(host, $"packed/{name}-two", config, [Stored(tar)], out _);
        return (diffId, $"{host}/packed/{name}-one:1", $"{host}/packed/{name}-two:1");
    }

    private static byte[] Stored(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.NoCompression, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string LayerOf(LayerStore store, StoredImage image) => new ImageCatalog(store).ReadManifest(image.Manifest.Digest).Layers.Single().Digest;

    private string Push(LayerStore store, StoredImage image, string repository) => PushImage(store, image, repository).Digest;

    private PublishedImage PushImage(LayerStore store, StoredImage image, string repository)
    {
        var destination = ImageReference.Parse($"{Registries.Plain.Host}/packed/{repository}:1");
        using var client = new RegistryClient(RegistryEndpoint.For(destination), new RegistryOptions());
        return ImagePusher.Push(new ImageCatalog(store), image, client, destination, null, CancellationToken.None);
    }

    /// <summary>The manifest and config of <paramref name="target"/> only, tagged (as a build FROM it or -CacheFrom reads it).</summary>
    private static StoredImage PullManifest(LayerStore store, string target)
    {
        var reference = ImageReference.Parse(target);
        using var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions());
        return ImagePuller.PullManifest(store, client, reference, null, CancellationToken.None).Image;
    }

    private sealed class Synchronous(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
