using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Remote layers against the real docker-registry: an image whose layers are still in the registry is whole for the store, and a layer is fetched when its files are read.</summary>
[Collection(RegistryCollection.Name)]
public sealed class RemoteLayerTests : RegistryTestBase
{
    public RemoteLayerTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Fact]
    public void AManifestOnlyPullIsWholeForTheStoreAndFetchesALayerWhenItsFilesAreRead()
    {
        var target = $"{Registries.Plain.Host}/remote/app:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        using var temp = new TempStore();
        var reference = ImageReference.Parse(target);
        StoredImage stored;
        int remote;
        using (var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions()))
        {
            (stored, remote) = ImagePuller.PullManifest(temp.Store, client, reference, null, CancellationToken.None);
        }

        var catalog = new ImageCatalog(temp.Store);
        var config = catalog.ReadConfig(catalog.ReadManifest(stored.Manifest.Digest).Config.Digest);
        Assert.Equal(config.DiffIds.Count, remote);
        Assert.All(config.DiffIds, d => Assert.False(temp.Store.HasBlob(d)));
        Assert.All(config.DiffIds, d => Assert.True(RemoteLayers.IsRemote(temp.Store, d)));
        Assert.Equal(target, catalog.Resolve(target).Reference?.ToString());
        Assert.Empty(StoreMaintenance.Verify(temp.Store));

        // Without a fetcher the store says where the layer is; with one, reading its index fetches it (and those below).
        var top = config.DiffIds[^1];
        var refused = Assert.Throws<LayerToolsException>(() => temp.Store.ReadLayerIndex(top));
        Assert.Equal("LayerNotFetched", refused.ErrorId);
        Assert.Contains("remote/app", refused.Message, StringComparison.Ordinal);
        RegistryLayerFetcher.AttachTo(temp.Store);
        Assert.Equal(top, temp.Store.ReadLayerIndex(top).DiffId);
        Assert.All(config.DiffIds, d => Assert.True(temp.Store.HasBlob(d)));
        Assert.All(catalog.ReadManifest(stored.Manifest.Digest).Layers, l => Assert.True(temp.Store.HasBlob(l.Digest)));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    [Fact]
    public void ARecordNamingAnotherBlobDoesNotStandInForALayerAndAnUnlistedRecordIsCollected()
    {
        var target = $"{Registries.Plain.Host}/remote/other:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        using var temp = new TempStore();
        var reference = ImageReference.Parse(target);
        using (var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions()))
        {
            ImagePuller.PullManifest(temp.Store, client, reference, null, CancellationToken.None);
        }

        var catalog = new ImageCatalog(temp.Store);
        var stored = catalog.Resolve(target);
        var manifest = catalog.ReadManifest(stored.Manifest.Digest);
        var diffId = catalog.ReadConfig(manifest.Config.Digest).DiffIds[0];
        var record = RemoteLayers.Get(temp.Store, diffId)!;

        // The record names a blob the manifest does not list: the layer is missing, for Test-LayerStore and for a commit.
        RemoteLayers.Remember(temp.Store, record with { Blob = new Descriptor(record.Blob.MediaType, "sha256:" + new string('0', 64), record.Blob.Size) });
        Assert.Contains(StoreMaintenance.Verify(temp.Store), p => p.Target == manifest.Layers[0].Digest);
        catalog.Untag(stored);
        using (var staging = temp.Store.BeginStaging())
        {
            var tagged = ImageCatalog.Tagged(stored.Manifest, stored.Reference);
            var refused = Assert.Throws<LayerToolsException>(() => staging.Commit(d => ImageCatalog.ApplyTag(d, tagged)));
            Assert.Equal("BlobVanished", refused.ErrorId);
        }

        // Once no image lists the layer, a collect removes its (old enough) record.
        File.SetLastWriteTimeUtc(RemoteLayers.RecordPath(temp.Store, diffId), DateTime.UtcNow - TimeSpan.FromDays(2));
        StoreMaintenance.Collect(temp.Store, whatIf: false, dangling: true);
        Assert.Null(RemoteLayers.Get(temp.Store, diffId));
    }

    [Fact]
    public void AFetchStopsAtOnceWhenItsCommandIsCancelledAndLeavesTheStoreAsItWas()
    {
        var image = new RegistrySecurityTests.OneLayerImage("the real layer\n");
        using var hostile = new HostileRegistry(image.Routes(image.Layer[..10], stall: true));
        using var temp = new TempStore();
        var reference = ImageReference.Parse(hostile.Host + "/evil:1");
        using (var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions()))
        {
            ImagePuller.PullManifest(temp.Store, client, reference, null, CancellationToken.None);
        }

        var before = temp.Snapshot();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        temp.Store.RemoteFetcher = new RegistryLayerFetcher { CancellationToken = cancel.Token };
        var diffId = RemoteLayers.Records(temp.Store).Single().Layer!.DiffId;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => temp.Store.ReadLayerIndex(diffId));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the fetch took {watch.Elapsed} to stop");
        Assert.Equal(before, temp.Snapshot());
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    [Fact]
    public void AFetchSignsInWithTheCommandsCredentialAndReportsEachBlob()
    {
        var target = $"{Registries.Secure.Host}/remote/secure:1";
        Tool.Run("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", RegistryFixture.User + ":" + RegistryFixture.Password, "oci:" + Umoci.Layout + ":app:1", "docker://" + target);
        using var temp = new TempStore();
        var reference = ImageReference.Parse(target);
        var signIn = new RegistrySignIn(new System.Net.NetworkCredential(RegistryFixture.User, RegistryFixture.Password), skipCertificateCheck: true);
        StoredImage stored;
        using (var client = signIn.Open(RegistryEndpoint.For(reference)))
        {
            (stored, _) = ImagePuller.PullManifest(temp.Store, client, reference, null, CancellationToken.None);
        }

        var catalog = new ImageCatalog(temp.Store);
        var diffIds = catalog.ReadConfig(catalog.ReadManifest(stored.Manifest.Digest).Config.Digest).DiffIds;

        // Saved credentials only (there are none): refused, and nothing changes.
        temp.Store.RemoteFetcher = new RegistryLayerFetcher { SignIn = new RegistrySignIn(null, skipCertificateCheck: true) };
        var before = temp.Snapshot();
        Assert.Equal("RegistryUnauthorized", Assert.Throws<LayerToolsException>(() => temp.Store.ReadLayerIndex(diffIds[^1])).ErrorId);
        Assert.Equal(before, temp.Snapshot());

        var reports = new List<OperationProgress>();
        temp.Store.RemoteFetcher = new RegistryLayerFetcher { SignIn = signIn, Progress = new SynchronousProgress(reports.Add) };
        Assert.Equal(diffIds[^1], temp.Store.ReadLayerIndex(diffIds[^1]).DiffId);
        Assert.All(diffIds, d => Assert.True(temp.Store.HasBlob(d)));
        var blobs = catalog.ReadManifest(stored.Manifest.Digest).Layers.Select(l => "Layer " + Digests.Digest.Short(l.Digest)).ToHashSet();
        Assert.Equal(blobs, reports.Where(r => r.IsChild).Select(r => r.Activity).ToHashSet());
        Assert.Equal(blobs.Count, reports.Count(r => r.IsChild && r.Completed));
        Assert.True(reports[^1] is { IsChild: false, Completed: true });
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    private sealed class SynchronousProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
