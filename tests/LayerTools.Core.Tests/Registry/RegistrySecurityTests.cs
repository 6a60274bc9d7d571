using System.IO.Compression;
using System.Net;
using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
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
        var real = Gzip(new TarBuilder().File("etc/real", "the real layer\n").ToArray());
        var fake = Gzip(new TarBuilder().File("etc/real", "something else\n").ToArray());
        var diffId = Digest.Of(new TarBuilder().File("etc/real", "the real layer\n").ToArray());
        var config = ConfigDocument.Create([diffId], [new HistoryRecord(DateTimeOffset.UnixEpoch, "COPY real /", null, null, false)], DateTimeOffset.UnixEpoch);
        var configDescriptor = new Descriptor(MediaTypes.OciConfig, Digest.Of(config), config.Length);
        var manifest = ManifestDocument.Create(configDescriptor, [new Descriptor(MediaTypes.OciLayerGzip, Digest.Of(real), real.Length)]);
        using var hostile = new HostileRegistry(new()
        {
            ["/v2/evil/manifests/1"] = (MediaTypes.OciManifest, manifest),
            ["/v2/evil/blobs/" + configDescriptor.Digest] = ("application/octet-stream", config),
            ["/v2/evil/blobs/" + Digest.Of(real)] = ("application/octet-stream", PadTo(fake, real.Length)),
        });

        using var temp = new TempStore();
        TestImages.Add(temp.Store, "already:1", new TarBuilder().File("keep", "x"));
        var before = temp.Snapshot();
        var error = Assert.Throws<LayerToolsException>(() => RegistryFixture.Pull(temp.Store, hostile.Host + "/evil:1", new RegistryOptions()));
        Assert.Equal("DigestMismatch", error.ErrorId);
        Assert.Equal(before, temp.Snapshot());
        Assert.Empty(StoreMaintenance.Verify(temp.Store));
    }

    private static byte[] PadTo(byte[] bytes, int length) => bytes.Length >= length ? bytes[..length] : [.. bytes, .. new byte[length - bytes.Length]];

    private static byte[] Gzip(byte[] data)
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
