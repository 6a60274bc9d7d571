using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace LayerTools.Core.Tests.Registry;

/// <summary>The fixture itself: the registries answer as the distribution spec says.</summary>
[Collection(RegistryCollection.Name)]
public sealed class TestRegistryTests
{
    private readonly RegistryFixture _fixture;

    public TestRegistryTests(RegistryFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task PlainRegistryAnswersTheV2Probe()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri($"http://{_fixture.Plain.Host}/v2/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("registry/2.0", response.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task SecureRegistryServesItsCertificateAndWantsTheHtpasswdUser()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_fixture.Secure.CertDir, "ca.crt"));
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Thumbprint == ca.Thumbprint,
        };
        using var http = new HttpClient(handler);
        var probe = new Uri($"https://{_fixture.Secure.Host}/v2/");
        using (var anonymous = await http.GetAsync(probe))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme, StringComparison.Ordinal);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, probe);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryFixture.User}:{RegistryFixture.Password}")));
        using var authorized = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
    }
}
