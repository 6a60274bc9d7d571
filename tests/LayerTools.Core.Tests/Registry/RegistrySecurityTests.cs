using System.IO.Compression;
using System.Net;
using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Sign-in, TLS trust, and registries that lie: every refusal is a clear error and leaves the store as it was.</summary>
[Collection(RegistryCollection.Name)]
public sealed class RegistrySecurityTests : RegistryTestBase
{
    public RegistrySecurityTests(RegistryFixture registries, UmociLayout umoci)
        : base(registries, umoci)
    {
    }

    [Fact]
    public void TheTlsRegistryWantsItsUserAndATrustedCertificate()
    {
        var secure = Registries.Secure;
        var target = $"{secure.Host}/secure/app:1";
        Tool.Run("skopeo", "copy", "--dest-cert-dir", secure.CertDir, "--dest-creds", $"{RegistryFixture.User}:{RegistryFixture.Password}", "oci:" + Umoci.Layout + ":app:1", "docker://" + target);

        // docker's certs.d layout: <dir>/<host:port>/ca.crt.
        var certsD = Path.Combine(secure.Dir, "certs.d");
        Directory.CreateDirectory(Path.Combine(certsD, secure.Host));
        File.Copy(Path.Combine(secure.CertDir, "ca.crt"), Path.Combine(certsD, secure.Host, "ca.crt"), overwrite: true);
        var good = new NetworkCredential(RegistryFixture.User, RegistryFixture.Password);

        using var temp = new TempStore();
        var before = temp.Snapshot();
        Assert.Equal("CertificateUntrusted", Fails(temp.Store, target, new RegistryOptions { Credential = good, CertificateDirectories = [] }));
        Assert.Equal("RegistryUnauthorized", Fails(temp.Store, target, new RegistryOptions { CertificateDirectories = [certsD] }));
        var wrong = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, target, new RegistryOptions { Credential = new NetworkCredential(RegistryFixture.User, "not-the-password"), CertificateDirectories = [certsD] }));
        Assert.Equal("RegistryUnauthorized", wrong.ErrorId);
        Assert.DoesNotContain("not-the-password", wrong.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, temp.Snapshot());

        var stored = RegistryFixture.Pull(temp.Store, target, new RegistryOptions { Credential = good, CertificateDirectories = [certsD] });
        Assert.Equal(Umoci.ConfigDigest, new ImageCatalog(temp.Store).ConfigDigestOf(stored));
        using var other = new TempStore();
        var skipped = RegistryFixture.Pull(other.Store, target, new RegistryOptions { Credential = good, SkipCertificateCheck = true, CertificateDirectories = [] });
        Assert.Equal(stored.Manifest.Digest, skipped.Manifest.Digest);
    }

    [Fact]
    public void ALayerWhoseBytesDoNotMatchItsDigestLeavesTheStoreUnchanged()
    {
        var image = new OneLayerImage("the real layer\n");
        var fake = Gzip(new TarBuilder().File("etc/real", "something else\n").ToArray());
        using var hostile = new HostileRegistry(image.Routes(PadTo(fake, image.Layer.Length)));
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "DigestMismatch");
    }

    [Fact]
    public void ALayerDamagedInItsLastByteLeavesNothingBehind()
    {
        // Every byte of the tar is read, decompressed, hashed and written before the damage shows.
        var image = new OneLayerImage(new string('x', 300_000));
        byte[] damaged = [.. image.Layer];
        damaged[^1] ^= 0x01;
        using var hostile = new HostileRegistry(image.Routes(damaged));
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "DigestMismatch");
    }

    [Fact]
    public void AnUncompressedLayerWithADamagedHeaderIsReportedAsAlteredNotAsABadTar()
    {
        var image = new OneLayerImage("the real layer\n", gzip: false);
        byte[] damaged = [.. image.Layer];
        damaged[148] ^= 0x01; // the first header's checksum
        using var hostile = new HostileRegistry(image.Routes(damaged));
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "DigestMismatch");
    }

    [Fact]
    public void ALayerLongerThanItsDescriptorSaysIsRefused()
    {
        var image = new OneLayerImage("the real layer\n");
        using var hostile = new HostileRegistry(image.Routes([.. image.Layer, .. new byte[4096]]));
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "SizeMismatch");
    }

    [Fact]
    public void ABusyRegistryIsAskedAgainAndOneThatStaysBusyIsAnError()
    {
        var image = new OneLayerImage("the real layer\n");
        using var hostile = new HostileRegistry(image.Routes(image.Layer));
        hostile.Busy["/v2/evil/manifests/1"] = RegistryClient.Attempts - 1;
        using (var temp = new TempStore())
        {
            Assert.NotNull(RegistryFixture.Pull(temp.Store, hostile.Host + "/evil:1").Reference);
        }

        hostile.Busy["/v2/evil/manifests/1"] = RegistryClient.Attempts;
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "RegistryUnavailable");
    }

    [Fact]
    public void NoPasswordGoesToATokenServiceOverPlainHttp()
    {
        using var hostile = new HostileRegistry([]) { Challenge = "Bearer realm=\"http://tokens.example/token\",service=\"evil\"" };
        var options = new RegistryOptions { Credential = new NetworkCredential("alice", "secret") };
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", options, "InsecureTokenRealm");
    }

    [Fact]
    public void AManifestOver4MiBIsRefused()
    {
        var huge = System.Text.Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"pad\":\"" + new string('x', 4 * 1024 * 1024) + "\"}");
        using var hostile = new HostileRegistry(new() { ["/v2/evil/manifests/1"] = (MediaTypes.OciManifest, huge) });
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions(), "ManifestTooLarge");
    }

    [Fact]
    public void AStalledTransferIsGivenUp()
    {
        var image = new OneLayerImage("the real layer\n");
        using var hostile = new HostileRegistry(image.Routes(image.Layer[..10], stall: true));
        AssertRefusedAndStoreUnchanged(hostile.Host + "/evil:1", new RegistryOptions { StallTimeout = TimeSpan.FromSeconds(1) }, "RegistryStalled");
    }

    [Fact]
    public void CancellingAPullStopsAtOnceAndLeavesTheStoreAsItWas()
    {
        var image = new OneLayerImage("the real layer\n");
        using var hostile = new HostileRegistry(image.Routes(image.Layer[..10], stall: true));
        AssertCancelledPullStopsAndLeavesTheStoreAsItWas(hostile, TimeSpan.FromMilliseconds(500));
    }

    /// <summary>A pull from <paramref name="hostile"/> cancelled after <paramref name="after"/> stops within 10 s and changes nothing in the store.</summary>
    internal static void AssertCancelledPullStopsAndLeavesTheStoreAsItWas(HostileRegistry hostile, TimeSpan after)
    {
        using var temp = new TempStore();
        var before = temp.Snapshot();
        using var cancel = new CancellationTokenSource(after);
        var reference = ImageReference.Parse(hostile.Host + "/evil:1");
        using var client = new RegistryClient(RegistryEndpoint.For(reference), new RegistryOptions());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => ImagePuller.Pull(temp.Store, client, reference, null, null, cancel.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the pull took {watch.Elapsed} to stop");
        Assert.Equal(before, temp.Snapshot());
    }

    internal static void AssertRefusedAndStoreUnchanged(string reference, RegistryOptions options, string errorId)
    {
        using var temp = new TempStore();
        TestImages.Add(temp.Store, "already:1", new TarBuilder().File("keep", "x"));
        var before = temp.Snapshot();
        var error = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, reference, options));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(before, temp.Snapshot());
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    /// <summary>A one-layer image served as evil:1: its manifest and config as they should be, its layer blob as the test says.</summary>
    internal sealed class OneLayerImage
    {
        private readonly byte[] _config;
        private readonly byte[] _manifest;

        public OneLayerImage(string content, bool gzip = true)
        {
            var tar = new TarBuilder().File("etc/real", content).ToArray();
            Layer = gzip ? Gzip(tar) : tar;
            _config = ConfigDocument.Create([Digest.Of(tar)], [new HistoryRecord(DateTimeOffset.UnixEpoch, "COPY real /", null, null, false)], DateTimeOffset.UnixEpoch);
            var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Of(_config), _config.Length);
            _manifest = ManifestDocument.Create(configDescriptor, [new Descriptor(gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer, Digest.Of(Layer), Layer.Length)]);
        }

        public byte[] Layer { get; }

        public Dictionary<string, (string ContentType, byte[] Body)> Routes(byte[] served, bool stall = false) => new()
        {
            ["/v2/evil/manifests/1"] = (MediaTypes.OciManifest, _manifest),
            ["/v2/evil/blobs/" + Digest.Of(_config)] = ("application/octet-stream", _config),
            ["/v2/evil/blobs/" + Digest.Of(Layer)] = (stall ? HostileRegistry.Stall : "application/octet-stream", served),
        };
    }

    private static byte[] PadTo(byte[] bytes, int length) => bytes.Length >= length ? bytes[..length] : [.. bytes, .. new byte[length - bytes.Length]];

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static string Fails(LayerStore store, string reference, RegistryOptions options) =>
        Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(store, reference, options)).ErrorId;
}
