using System.Net;
using System.Net.Http.Headers;
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
/// A pull leaves its layers packed (the registry's compressed blobs in the store, checked against their
/// digests) and the first operation that needs their files unpacks them there, with no network: against
/// the real docker-registry, images pushed by skopeo or, for a crafted one, by plain HTTP.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class PackedLayerTests : RegistryTestBase
{
    public PackedLayerTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Fact]
    public void APullLeavesItsLayersPackedAndTheFirstReadUnpacksThemOnceWithoutTheRegistry()
    {
        using var temp = new TempStore();
        var (stored, manifest, diffIds) = PullApp(temp, "app");
        var catalog = new ImageCatalog(temp.Store);

        // Only the compressed blobs: no layer tar, no entry index, each layer packed.
        Assert.True(diffIds.Count >= 2);
        Assert.All(manifest.Layers, l => Assert.True(temp.Store.HasBlob(l.Digest)));
        Assert.All(diffIds, d => Assert.False(temp.Store.HasBlob(d)));
        Assert.All(diffIds, d => Assert.False(File.Exists(temp.Store.LayerIndexPath(d))));
        Assert.All(diffIds, d => Assert.True(RemoteLayers.IsPacked(temp.Store, d)));
        Assert.All(diffIds, d => Assert.False(RemoteLayers.IsInRegistry(temp.Store, d)));
        var image = catalog.Load(stored);
        Assert.Equal(diffIds.Count, image.PackedLayerCount);
        Assert.Equal(0, image.RemoteLayerCount);
        Assert.Equal(manifest.Layers.Sum(l => l.Size), image.Size);
        Assert.All(catalog.Layers(stored), l => Assert.True(l.Packed && !l.InRegistry && l.Size is null));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // A store opened afresh with a fetcher that says what it does: reading the top layer unpacks
        // every layer, base first, from the blobs here (a fetch from the registry would say "Fetching").
        var store = LayerStore.Open(temp.Root);
        var said = new List<string>();
        store.RemoteFetcher = new RegistryLayerFetcher { Log = said.Add };
        Assert.Equal(diffIds[^1], store.ReadLayerIndex(diffIds[^1]).DiffId);
        Assert.Equal(diffIds.Count, said.Count(s => s.StartsWith("Unpacking layer ", StringComparison.Ordinal)));
        Assert.DoesNotContain(said, s => s.StartsWith("Fetching", StringComparison.Ordinal));
        Assert.All(diffIds, d => Assert.True(store.HasBlob(d) && File.Exists(store.LayerIndexPath(d))));
        Assert.All(diffIds, d => Assert.False(RemoteLayers.IsPacked(store, d)));
        Assert.Equal(diffIds.Count, Directory.EnumerateFiles(Path.Combine(store.DataDir, "compressed"), "*.json", SearchOption.AllDirectories).Count());
        Assert.Empty(StoreMaintenance.Verify(store));

        // Unpacked once: another store object reads the indexes as they are.
        var indexes = diffIds.Select(d => File.GetLastWriteTimeUtc(store.LayerIndexPath(d))).ToList();
        var again = LayerStore.Open(temp.Root);
        var more = new List<string>();
        again.RemoteFetcher = new RegistryLayerFetcher { Log = more.Add };
        Assert.All(diffIds, d => Assert.Equal(d, again.ReadLayerIndex(d).DiffId));
        Assert.Empty(more);
        Assert.Equal(indexes, diffIds.Select(d => File.GetLastWriteTimeUtc(store.LayerIndexPath(d))).ToList());
        var loaded = new ImageCatalog(again).Load(stored);
        Assert.Equal(0, loaded.PackedLayerCount);
        Assert.Equal(diffIds.Sum(again.BlobSize), loaded.Size);
    }

    [Fact]
    public void AGzipExportAndAPushSendThePackedBlobsAsTheyAreAndAStoreWithNoFetcherUnpacks()
    {
        using var temp = new TempStore();
        var (stored, manifest, diffIds) = PullApp(temp, "export");

        // A gzip export of gzip layers: the pulled blobs, byte for byte, and nothing unpacked.
        var layout = Path.Combine(temp.Parent, "gzip-layout");
        ImageExporter.Export(temp.Store, [stored], layout, ExportFormat.OciLayout, LayerCompression.Gzip);
        Assert.All(manifest.Layers, l => Assert.True(File.Exists(Path.Combine(layout, "blobs", "sha256", Digest.Hex(l.Digest)))));
        Assert.True(File.Exists(Path.Combine(layout, "blobs", "sha256", Digest.Hex(stored.Manifest.Digest))));
        Assert.All(diffIds, d => Assert.True(RemoteLayers.IsPacked(temp.Store, d)));

        // A push sends the pulled blobs back as they are (the same manifest digest), still nothing unpacked.
        var destination = ImageReference.Parse($"{Registries.Plain.Host}/packed/pushed:1");
        using (var client = new RegistryClient(RegistryEndpoint.For(destination), new RegistryOptions()))
        {
            Assert.Equal(stored.Manifest.Digest, ImagePusher.Push(new ImageCatalog(temp.Store), stored, client, destination, null, CancellationToken.None).Digest);
        }

        Assert.All(diffIds, d => Assert.True(RemoteLayers.IsPacked(temp.Store, d)));

        // No fetcher at all (a store a non-registry command opened): an uncompressed export unpacks, locally.
        var plain = LayerStore.Open(temp.Root);
        Assert.Null(plain.RemoteFetcher);
        var archive = Path.Combine(temp.Parent, "plain.tar");
        ImageExporter.Export(plain, [stored], archive, ExportFormat.DockerArchive, LayerCompression.None);
        Assert.All(diffIds, d => Assert.True(plain.HasBlob(d) && File.Exists(plain.LayerIndexPath(d))));
        Assert.Empty(StoreMaintenance.Verify(plain));
    }

    [Fact]
    public void ALayerWhoseBlobHoldsAnotherDiffIdPullsIsReportedByTestLayerStoreAndFailsAtFirstUseLeavingTheStoreUnchanged()
    {
        // Two good gzip blobs; the config gives the second layer the DiffID of other bytes.
        var tar1 = new TarBuilder().Dir("etc/").File("etc/one", "first layer\n").ToArray();
        var tar2 = new TarBuilder().Dir("etc/").File("etc/two", "second layer\n").ToArray();
        var lie = Digest.Of(new TarBuilder().File("etc/other", "not what the blob holds\n").ToArray());
        var config = ConfigDocument.Create([Digest.Of(tar1), lie], [new(DateTimeOffset.UnixEpoch, "ADD one /", null, null, false), new(DateTimeOffset.UnixEpoch, "ADD two /", null, null, false)], DateTimeOffset.UnixEpoch);
        var layers = new[] { RegistrySecurityTests.Gzip(tar1), RegistrySecurityTests.Gzip(tar2) };
        var repository = "packed/lying";
        var host = Registries.Plain.Host;
        PushRaw(host, repository, config, layers, out var manifest);

        using var temp = new TempStore();
        var stored = RegistryFixture.Pull(temp.Store, $"{host}/{repository}:1");
        Assert.Equal(Digest.Of(manifest), stored.Manifest.Digest);

        // Test-LayerStore inflates the packed blob (writing nothing) and finds it before any use.
        var before = temp.Snapshot();
        AssertLies(StoreMaintenance.Verify(temp.Store), Digest.Of(layers[1]), Digest.Of(tar2), lie);
        Assert.Equal(before, temp.Snapshot());
        Assert.All(new[] { Digest.Of(tar1), Digest.Of(tar2), lie }, d => Assert.False(temp.Store.HasBlob(d)));

        // First use: the second layer inflates to another DiffID. Nothing is committed, not even the first layer.
        var store = LayerStore.Open(temp.Root);
        var error = Assert.Throws<LayerToolsException>(() => store.ReadLayerIndex(lie));
        Assert.Equal("DiffIdMismatch", error.ErrorId);
        Assert.Contains(Digest.Of(tar2), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, temp.Snapshot());
        Assert.False(store.HasBlob(Digest.Of(tar1)));
        AssertLies(StoreMaintenance.Verify(store), Digest.Of(layers[1]), Digest.Of(tar2), lie);

        // The layer below, asked for alone, is sound and unpacks.
        Assert.Equal(Digest.Of(tar1), store.ReadLayerIndex(Digest.Of(tar1)).DiffId);
    }

    [Fact]
    public void AnUncompressedLayerIsKeptAsItCameAndIndexedAtFirstUse()
    {
        // A plain tar in the registry: its blob is the layer (its digest the DiffID), kept without an index until it is read.
        var tar = new TarBuilder().Dir("etc/").File("etc/plain", "an uncompressed layer\n").ToArray();
        var diffId = Digest.Of(tar);
        var config = ConfigDocument.Create([diffId], [new(DateTimeOffset.UnixEpoch, "ADD plain /", null, null, false)], DateTimeOffset.UnixEpoch);
        PushRaw(Registries.Plain.Host, "packed/plain", config, [tar], out _, MediaTypes.OciLayer);
        using var temp = new TempStore();
        RegistryFixture.Pull(temp.Store, $"{Registries.Plain.Host}/packed/plain:1");
        Assert.True(temp.Store.HasBlob(diffId));
        Assert.False(File.Exists(temp.Store.LayerIndexPath(diffId)));
        Assert.True(RemoteLayers.IsPacked(temp.Store, diffId));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        var store = LayerStore.Open(temp.Root);
        Assert.Equal(diffId, store.ReadLayerIndex(diffId).DiffId);
        Assert.False(RemoteLayers.IsPacked(store, diffId));
        Assert.Empty(StoreMaintenance.Verify(store));
    }

    [Fact]
    public void TheCollectorKeepsPackedBlobsWhileAnImageOrAnUnpackUsesThemAndRemovesThemAfter()
    {
        using var temp = new TempStore();
        var (stored, manifest, diffIds) = PullApp(temp, "collect");

        // After the pull: an image names the blobs, a collect leaves them.
        Assert.Empty(StoreMaintenance.Collect(temp.Store, whatIf: false, dangling: true).Blobs);
        Assert.All(manifest.Layers, l => Assert.True(temp.Store.HasBlob(l.Digest)));

        // Racing an unpack: once it has started, the image is untagged and a collect runs; the
        // unpack's lease holds the blobs, so it finishes, and then nothing but the lease kept them.
        var store = LayerStore.Open(temp.Root);
        var collected = new List<CollectResult>();
        store.RemoteFetcher = new RegistryLayerFetcher
        {
            Log = _ =>
            {
                if (collected.Count == 0)
                {
                    Assert.True(new ImageCatalog(store).Untag(stored));
                    collected.Add(StoreMaintenance.Collect(store, whatIf: false, dangling: true));
                }
            },
        };
        Assert.Equal(diffIds[^1], store.ReadLayerIndex(diffIds[^1]).DiffId);
        Assert.DoesNotContain(collected[0].Blobs, b => manifest.Layers.Any(l => l.Digest == b));
        Assert.All(diffIds, d => Assert.True(store.HasBlob(d)));

        // Nothing uses them now: the next collect removes the blobs and the layers.
        var result = StoreMaintenance.Collect(store, whatIf: false, dangling: true);
        Assert.All(manifest.Layers, l => Assert.Contains(l.Digest, result.Blobs));
        Assert.All(manifest.Layers, l => Assert.False(store.HasBlob(l.Digest)));
        Assert.Empty(StoreMaintenance.Verify(store));
    }

    /// <summary>The one problem of a store whose packed blob <paramref name="blob"/> holds the layer <paramref name="actual"/> where its config says <paramref name="expected"/>.</summary>
    private static void AssertLies(IEnumerable<StoreProblem> problems, string blob, string actual, string expected)
    {
        var problem = Assert.Single(problems);
        Assert.Equal(("DiffIdMismatch", blob), (problem.Kind, problem.Target));
        Assert.Contains(actual, problem.Message, StringComparison.Ordinal);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    /// <summary>skopeo pushes the umoci image to packed/<paramref name="name"/>:1, and LayerTools pulls it into <paramref name="temp"/>.</summary>
    private (StoredImage Stored, ManifestDocument Manifest, IReadOnlyList<string> DiffIds) PullApp(TempStore temp, string name)
    {
        var target = $"{Registries.Plain.Host}/packed/{name}:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        var stored = RegistryFixture.Pull(temp.Store, target);
        var catalog = new ImageCatalog(temp.Store);
        var manifest = catalog.ReadManifest(stored.Manifest.Digest);
        return (stored, manifest, catalog.ReadConfig(manifest.Config.Digest).DiffIds);
    }

    /// <summary>Pushes a one-tag image by plain HTTP (monolithic uploads, the manifest last), as no client that checks DiffIDs would.</summary>
    internal static void PushRaw(string host, string repository, byte[] config, byte[][] layers, out byte[] manifest, string layerType = MediaTypes.OciLayerGzip)
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://" + host) };
        foreach (var blob in layers.Prepend(config))
        {
            using var started = http.PostAsync($"/v2/{repository}/blobs/uploads/", null).GetAwaiter().GetResult();
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var location = started.Headers.Location!.ToString();
            var put = location + (location.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "digest=" + Digest.Of(blob);
            using var content = new ByteArrayContent(blob);
            using var done = http.PutAsync(put, content).GetAwaiter().GetResult();
            Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        }

        manifest = ManifestDocument.Create(new Descriptor(MediaTypes.OciConfig, Digest.Of(config), config.Length), layers.Select(l => new Descriptor(layerType, Digest.Of(l), l.Length)));
        using var body = new ByteArrayContent(manifest);
        body.Headers.ContentType = new MediaTypeHeaderValue(MediaTypes.OciManifest);
        using var pushed = http.PutAsync($"/v2/{repository}/manifests/1", body).GetAwaiter().GetResult();
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
    }
}
