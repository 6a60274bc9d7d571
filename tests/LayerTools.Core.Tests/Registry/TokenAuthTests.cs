using System.Net;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Registry;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Bearer token authentication against the real docker-registry with distribution's auth: token, and a test token service.</summary>
public sealed class TokenAuthTests : IClassFixture<UmociLayout>, IDisposable
{
    private const string User = "carol";
    private const string Password = "token-pass-7";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lt-token-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly TokenIssuer _issuer;
    private readonly TestRegistry _registry;
    private readonly UmociLayout _umoci;

    public TokenAuthTests(UmociLayout umoci)
    {
        _umoci = umoci;
        Directory.CreateDirectory(_dir);
        _issuer = new TokenIssuer(Path.Combine(_dir, "token.crt"), User, Password);
        _registry = TestRegistry.Start(tokenRealm: _issuer.Realm, tokenCertificate: Path.Combine(_dir, "token.crt"));
    }

    [Fact]
    public void PushAndPullWithTokensReusedPerScope()
    {
        using var temp = new TempStore();
        var catalog = new ImageCatalog(temp.Store);
        var image = ImageImporter.Import(temp.Store, _umoci.Layout, null).Single();
        var target = ImageReference.Parse($"{_registry.Host}/tok/app:1");
        var credential = new NetworkCredential(User, Password);
        using (var client = new RegistryClient(RegistryEndpoint.For(target), new RegistryOptions { Credential = credential }))
        {
            var pushed = ImagePusher.Push(catalog, image, client, target, null, CancellationToken.None);
            Assert.Equal(3, pushed.Uploaded);
        }

        // One token for the push scope served every HEAD, POST, PUT and the manifest.
        Assert.Single(_issuer.Issued, s => s == RegistryClient.PushScope("tok/app"));

        // Anonymous pulls get pull-only tokens; a fresh store pulls the same image.
        using var other = new TempStore();
        var pulled = RegistryFixture.Pull(other.Store, target.FullName + ":1");
        Assert.Equal(_umoci.ConfigDigest, new ImageCatalog(other.Store).ConfigDigestOf(pulled));
    }

    [Fact]
    public void ARefusedTokenIsFetchedAgainAndAWrongPasswordIsUnauthorized()
    {
        using var temp = new TempStore();
        var image = TestImages.Add(temp.Store, "local:1", new TarBuilder().File("etc/a", "a\n"));
        var target = ImageReference.Parse($"{_registry.Host}/tok/refresh:1");
        using (var client = new RegistryClient(RegistryEndpoint.For(target), new RegistryOptions { Credential = new NetworkCredential(User, Password) }))
        {
            ImagePusher.Push(new ImageCatalog(temp.Store), image, client, target, null, CancellationToken.None);
        }

        _issuer.ExpireNext = true;
        var before = _issuer.Issued.Count;
        using var other = new TempStore();
        RegistryFixture.Pull(other.Store, target.FullName + ":1");
        Assert.Equal(2, _issuer.Issued.Skip(before).Count(s => s == RegistryClient.PullScope("tok/refresh")));

        using var wrong = new RegistryClient(RegistryEndpoint.For(target), new RegistryOptions { Credential = new NetworkCredential(User, "nope") });
        Assert.Equal("RegistryUnauthorized", Assert.Throws<LayerToolsException>(() => wrong.Probe(CancellationToken.None)).ErrorId);
    }

    public void Dispose()
    {
        _registry.Dispose();
        _issuer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
