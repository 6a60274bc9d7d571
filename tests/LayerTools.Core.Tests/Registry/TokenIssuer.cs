using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// A token service for distribution's <c>auth: token</c>: it hands out RS256 JWTs (iss layertools-issuer,
/// aud layertools-test, the asked scopes as access) signed by a test key whose self-signed certificate
/// is the registry's rootcertbundle and rides in the header's x5c. Anonymous callers get pull only;
/// the user gets what they ask; a wrong password gets 401. It counts the tokens it gave per scope.
/// </summary>
internal sealed class TokenIssuer : IDisposable
{
    public const string Issuer = "layertools-issuer";
    public const string Service = "layertools-test";

    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly LoopbackServer _server;
    private readonly string _user;
    private readonly string _password;
    private readonly object _gate = new();
    private readonly List<string> _issued = new();

    public TokenIssuer(string certificatePath, string user, string password)
    {
        _user = user;
        _password = password;
        var request = new CertificateRequest("CN=layertools token issuer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        File.WriteAllText(certificatePath, _certificate.ExportCertificatePem());
        _server = new LoopbackServer(Answer);
    }

    public string Realm => $"http://{_server.Host}/token";

    /// <summary>When set, the next token handed out has already expired (to see a client fetch another).</summary>
    public bool ExpireNext { get; set; }

    /// <summary>The scope string of every token handed out, in order.</summary>
    public IReadOnlyList<string> Issued
    {
        get
        {
            lock (_gate)
            {
                return _issued.ToList();
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
        var scopes = query.GetValues("scope") ?? [];
        var authorization = context.Request.Headers["Authorization"];
        var anonymous = authorization is null;
        if (!anonymous && authorization != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(_user + ":" + _password)))
        {
            context.Response.StatusCode = 401;
            return;
        }

        var access = new JsonArray();
        foreach (var scope in scopes.SelectMany(s => s.Split(' ')))
        {
            var parts = scope.Split(':');
            if (parts.Length != 3)
            {
                continue;
            }

            var actions = parts[2].Split(',').Where(a => !anonymous || a == "pull").Select(a => (JsonNode)a).ToArray();
            access.Add(new JsonObject { ["type"] = parts[0], ["name"] = parts[1], ["actions"] = new JsonArray(actions) });
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var expired = ExpireNext;
        ExpireNext = false;
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = anonymous ? string.Empty : _user,
            ["aud"] = query["service"],
            ["iat"] = now,
            ["nbf"] = now - 10,
            ["exp"] = expired ? now - 600 : now + 300,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)) };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var token = signed + "." + Base64Url(signature);
        lock (_gate)
        {
            _issued.Add(string.Join(' ', scopes));
        }

        var body = Encoding.UTF8.GetBytes(new JsonObject { ["token"] = token, ["expires_in"] = 300 }.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.OutputStream.Write(body);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _server.Dispose();
        _certificate.Dispose();
        _key.Dispose();
    }
}
