using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// How blobs travel: a few at a time, a dropped download resumed with Range, and the hostile cases of
/// issue 10 not covered by <see cref="RegistrySecurityTests"/> (an endless redirect, a Content-Length
/// that lies). Against <see cref="HostileRegistry"/>, which counts what it is asked.
/// </summary>
public sealed class RegistryTransferTests
{
    [Fact]
    public void ADroppedDownloadResumesWithRangeFromTheBytesItHas()
    {
        var image = new ServedImage(1, 64 * 1024);
        using var hostile = new HostileRegistry(image.Routes());
        var layerPath = image.LayerPath(0);
        hostile.DropAfter[layerPath] = 20_000;
        using var temp = new TempStore();

        var stored = RegistryFixture.Pull(temp.Store, hostile.Host + "/evil:1");

        Assert.Equal(["", "bytes=20000-"], hostile.Ranges[layerPath]);
        Assert.Equal(image.DiffIds, DiffIdsOf(temp, stored));
        Assert.True(temp.Store.HasBlob(image.LayerDigests[0]), "the registry's compressed blob is kept whole");
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    [Fact]
    public void ARegistryThatServesNoRangesSendsTheWholeBlobAgain()
    {
        var image = new ServedImage(1, 64 * 1024);
        using var hostile = new HostileRegistry(image.Routes()) { ServesRanges = false };
        var layerPath = image.LayerPath(0);
        hostile.DropAfter[layerPath] = 20_000;
        using var temp = new TempStore();

        var stored = RegistryFixture.Pull(temp.Store, hostile.Host + "/evil:1");

        Assert.Equal(["", "bytes=20000-"], hostile.Ranges[layerPath]);
        Assert.Equal(image.DiffIds, DiffIdsOf(temp, stored));
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    [Fact]
    public void LayersDownloadAFewAtATimeAndTheStoreIsTheSameAsOneAtATime()
    {
        var image = new ServedImage(6, 16 * 1024);
        // The layers' answers wait until three are asked for at once (on a loaded machine the third request
        // could come after the first had been answered), then 1.5 s more, in which a fourth would be seen.
        using var hostile = new HostileRegistry(image.Routes()) { BlobDelay = TimeSpan.FromMilliseconds(1500), HoldUntilAtOnce = 3 };
        hostile.HeldBlobs.UnionWith(Enumerable.Range(0, 6).Select(image.LayerPath));
        using var parallel = new TempStore();
        RegistryFixture.Pull(parallel.Store, hostile.Host + "/evil:1", new RegistryOptions { MaxConcurrentTransfers = 3 });
        Assert.Equal(3, hostile.MostAtOnce);

        hostile.BlobDelay = TimeSpan.Zero;
        using var serial = new TempStore();
        RegistryFixture.Pull(serial.Store, hostile.Host + "/evil:1", new RegistryOptions { MaxConcurrentTransfers = 1 });
        Assert.Equal(StoredFiles(serial), StoredFiles(parallel));
    }

    [Fact]
    public void ABadLayerAmongParallelDownloadsLeavesTheStoreUnchanged()
    {
        var image = new ServedImage(5, 16 * 1024);
        var routes = image.Routes();
        var bad = image.LayerPath(3);
        var body = routes[bad].Body.ToArray();
        body[^10] ^= 0xFF;
        routes[bad] = ("application/octet-stream", body);
        using var hostile = new HostileRegistry(routes);
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", "DigestMismatch");
    }

    [Fact]
    public void AnEndlessRedirectIsRefused()
    {
        var image = new ServedImage(1, 1024);
        var routes = image.Routes();
        routes[image.LayerPath(0)] = (HostileRegistry.RedirectLoop, []);
        using var hostile = new HostileRegistry(routes);
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", "RegistryRedirectLoop");
    }

    [Fact]
    public void AContentLengthThatPromisesMoreThanTheBlobIsRefusedAtOnce()
    {
        var image = new ServedImage(1, 4096);
        var routes = image.Routes();
        routes[image.LayerPath(0)] = (HostileRegistry.ShortBody, routes[image.LayerPath(0)].Body);
        using var hostile = new HostileRegistry(routes);
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", "SizeMismatch");
        Assert.Single(hostile.Ranges[image.LayerPath(0)]);
    }

    [Fact]
    public void AConnectionDroppedAgainAndAgainIsGivenUpAfterItsAttempts()
    {
        var image = new ServedImage(1, 64 * 1024);
        using var hostile = new HostileRegistry(image.Routes());
        var layerPath = image.LayerPath(0);
        hostile.DropAfter[layerPath] = 1000;
        hostile.DropAlways = true;
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", "RegistryTransferFailed");
        Assert.Equal(["", "bytes=1000-", "bytes=2000-"], hostile.Ranges[layerPath]);
    }

    [Fact]
    public void AnUploadLongerThanTheRequestTimeoutGoesOnWhileTheRegistryTakesBytes()
    {
        using var temp = new TempStore();
        var image = RandomImage(temp, 1024 * 1024);
        // The layer's body (over 1 MiB, 64 KiB a read) takes at least 17 reads of 0.4 s: 6.8 s, whatever the
        // load, against a 4 s request timeout, which the other requests (the config's body: two reads,
        // the manifest: none delayed) must still meet on a loaded machine (1 s was missed there).
        using var hostile = new HostileRegistry([]) { UploadReadDelay = TimeSpan.FromMilliseconds(400) };
        var options = new RegistryOptions { Timeout = TimeSpan.FromSeconds(4), StallTimeout = TimeSpan.FromSeconds(10) };
        var published = Push(temp, image, hostile.Host, options);
        Assert.Equal(2, published.Uploaded);
        Assert.True(hostile.LongestUploadBody > options.Timeout, $"the longest upload took {hostile.LongestUploadBody}, not longer than the request timeout");
    }

    [Fact]
    public void AnUploadTheRegistryStopsTakingIsGivenUpAsStalled()
    {
        using var temp = new TempStore();
        var image = RandomImage(temp, 1024 * 1024);
        using var hostile = new HostileRegistry([]) { UploadReadDelay = TimeSpan.FromSeconds(4) };
        var error = Assert.Throws<LayerToolsException>(() => Push(temp, image, hostile.Host, new RegistryOptions { StallTimeout = TimeSpan.FromSeconds(1) }));
        Assert.Equal("RegistryStalled", error.ErrorId);

        // Each upload given up was cancelled (DELETE), the error still the stall.
        Assert.NotEmpty(RegistryUploadTests.Opened(hostile));
        Assert.Equal(RegistryUploadTests.Opened(hostile), RegistryUploadTests.Deleted(hostile));
    }

    [Fact]
    public void AStreamedUploadDroppedPartWayIsSentAgainFromTheKeptBytesWithTheSameDigest()
    {
        using var temp = new TempStore();
        var image = RandomImage(temp, 1024 * 1024);
        var diffId = new ImageCatalog(temp.Store).Load(image).Layers.Single();
        using var hostile = new HostileRegistry([]) { DropUploadAfter = 100 * 1024 };
        var published = Push(temp, image, hostile.Host, new RegistryOptions());
        Assert.Equal(2, published.Uploaded);

        // POST, a streamed PATCH dropped part-way, then a new upload sent whole from the store.
        var kept = CompressedLayerCache.TryGet(temp.Store, diffId, LayerCompression.Gzip);
        Assert.NotNull(kept);
        Assert.Equal(3, hostile.Uploads.Count(u => u.StartsWith("POST", StringComparison.Ordinal)));
        Assert.Single(hostile.Uploads, u => u.StartsWith("PATCH", StringComparison.Ordinal));
        Assert.Single(hostile.Uploads, u => u.StartsWith("PUT", StringComparison.Ordinal) && u.EndsWith("digest=" + Uri.EscapeDataString(kept.Digest), StringComparison.Ordinal));

        // The upload of the dropped PATCH was cancelled (DELETE) before the new one; no other was.
        var dropped = hostile.Uploads.Single(u => u.StartsWith("PATCH", StringComparison.Ordinal)).Split(' ')[1];
        Assert.Equal(["DELETE " + dropped], hostile.Uploads.Where(u => u.StartsWith("DELETE", StringComparison.Ordinal)));

        // The same image from a store that never compressed it, streamed without a drop: the same manifest
        // (config: POST, PUT; layer: POST, PATCH, PUT ?digest=; the manifest: PUT).
        using var other = new TempStore();
        var again = RandomImage(other, 1024 * 1024);
        var before = hostile.Uploads.Count;
        var streamed = Push(other, again, hostile.Host, new RegistryOptions());
        Assert.Equal(published.Digest, streamed.Digest);
        Assert.Equal(kept.Digest, CompressedLayerCache.TryGet(other.Store, diffId, LayerCompression.Gzip)?.Digest);
        Assert.Equal(["PATCH", "POST", "POST", "PUT", "PUT", "PUT"], hostile.Uploads.Skip(before).Select(u => u.Split(' ')[0]).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void ARegistryThatWantsChunksGetsANeverCompressedLayerInChunksFromTheStore()
    {
        using var temp = new TempStore();
        var image = RandomImage(temp, 3 * 1024 * 1024);
        var diffId = new ImageCatalog(temp.Store).Load(image).Layers.Single();
        using var hostile = new HostileRegistry([]) { ChunkMinLength = 1024 * 1024 };
        Assert.Equal(2, Push(temp, image, hostile.Host, new RegistryOptions()).Uploaded);

        // Compressed into the store first, then sent in a PATCH chunk (8 MiB at most) with its Content-Range, then PUT ?digest=; the config too.
        var kept = CompressedLayerCache.TryGet(temp.Store, diffId, LayerCompression.Gzip);
        Assert.NotNull(kept);
        var patches = hostile.Uploads.Where(u => u.StartsWith("PATCH", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(patches);
        Assert.All(patches, p => Assert.Matches(@" \d+-\d+$", p));
        Assert.Single(patches, p => p.EndsWith($" 0-{kept.Size - 1}", StringComparison.Ordinal));
        Assert.Single(hostile.Uploads, u => u.StartsWith("PUT", StringComparison.Ordinal) && u.EndsWith("digest=" + Uri.EscapeDataString(kept.Digest), StringComparison.Ordinal));
    }

    [Fact]
    public void CancellingParallelDownloadsStopsThemAllAndLeavesTheStoreAsItWas()
    {
        var image = new ServedImage(4, 16 * 1024);
        using var hostile = new HostileRegistry(image.Routes()) { BlobDelay = TimeSpan.FromSeconds(30) };
        RegistrySecurityTests.AssertCancelledPullStopsAndLeavesTheStoreAsItWas(hostile, TimeSpan.FromMilliseconds(700));
    }

    private static void AssertRefusedAndStoreUnchanged(string reference, string errorId) =>
        RegistrySecurityTests.AssertRefusedAndStoreUnchanged(reference, new RegistryOptions(), errorId);

    internal static StoredImage RandomImage(TempStore temp, int bytes)
    {
        var content = new byte[bytes];
        new Random(bytes).NextBytes(content);
        return TestImages.Add(temp.Store, "upload:1", new TarBuilder().File("data", content));
    }

    internal static PublishedImage Push(TempStore temp, StoredImage image, string host, RegistryOptions options, CancellationToken cancellationToken = default)
    {
        var destination = ImageReference.Parse(host + "/evil:1");
        using var client = new RegistryClient(RegistryEndpoint.For(destination), options);
        return ImagePusher.Push(new ImageCatalog(temp.Store), image, client, destination, null, cancellationToken);
    }

    private static IReadOnlyList<string> DiffIdsOf(TempStore temp, StoredImage stored)
    {
        var catalog = new ImageCatalog(temp.Store);
        return catalog.ReadConfig(catalog.ConfigDigestOf(stored)).DiffIds;
    }

    private static List<string> StoredFiles(TempStore temp) =>
        Directory.EnumerateFiles(temp.Store.Root, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/layertools/", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(temp.Store.Root, f) + " " + Digest.Of(File.ReadAllBytes(f)))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>An image of <c>count</c> gzip layers of random (incompressible) files, served as evil:1.</summary>
    private sealed class ServedImage
    {
        private readonly byte[] _config;
        private readonly byte[] _manifest;

        public ServedImage(int count, int fileBytes)
        {
            var random = new Random(count * 7919 + fileBytes);
            var tars = Enumerable.Range(0, count).Select(i =>
            {
                var content = new byte[fileBytes];
                random.NextBytes(content);
                return new TarBuilder().File($"layer{i}/data", content).ToArray();
            }).ToList();
            Layers = tars.Select(RegistrySecurityTests.Gzip).ToList();
            DiffIds = tars.Select(t => Digest.Of(t)).ToList();
            LayerDigests = Layers.Select(l => Digest.Of(l)).ToList();
            _config = ConfigDocument.Create(DiffIds, DiffIds.Select(_ => new HistoryRecord(DateTimeOffset.UnixEpoch, "COPY data /", null, null, false)).ToList(), DateTimeOffset.UnixEpoch);
            var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Of(_config), _config.Length);
            _manifest = ManifestDocument.Create(configDescriptor, Layers.Select(l => new Descriptor(MediaTypes.OciLayerGzip, Digest.Of(l), l.Length)).ToList());
        }

        public List<byte[]> Layers { get; }

        public List<string> DiffIds { get; }

        public List<string> LayerDigests { get; }

        public string LayerPath(int i) => "/v2/evil/blobs/" + LayerDigests[i];

        public Dictionary<string, (string ContentType, byte[] Body)> Routes()
        {
            var routes = new Dictionary<string, (string ContentType, byte[] Body)>
            {
                ["/v2/evil/manifests/1"] = (MediaTypes.OciManifest, _manifest),
                ["/v2/evil/blobs/" + Digest.Of(_config)] = ("application/octet-stream", _config),
            };
            for (var i = 0; i < Layers.Count; i++)
            {
                routes[LayerPath(i)] = ("application/octet-stream", Layers[i]);
            }

            return routes;
        }
    }
}
