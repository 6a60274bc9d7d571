using System.Net.Http.Headers;
using System.Net;
using System.Text.Json.Nodes;
using System.Text;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// Answers a registry's challenges: Basic with the credential, or Bearer with a token from the
/// challenge's realm (asked with the credential when there is one, anonymously otherwise) for the
/// scopes at hand. Tokens are kept per scope and fetched again when the registry refuses one.
/// Safe for the transfers of one pull or push that run side by side.
/// </summary>
internal sealed class RegistryAuthenticator
{
    private const int MaxTokenResponse = 1024 * 1024;
    private readonly NetworkCredential? _credential;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private bool _basic;
    private AuthChallenge? _bearer;

    public RegistryAuthenticator(NetworkCredential? credential) => _credential = credential;

    public bool HasCredential => _credential is not null;

    /// <summary>Adds what is known to authorize <paramref name="scope"/>: a token for it, or Basic credentials.</summary>
    public void Apply(HttpRequestMessage request, string scope)
    {
        lock (_gate)
        {
            ApplyLocked(request, scope);
        }
    }

    private void ApplyLocked(HttpRequestMessage request, string scope)
    {
        if (_tokens.TryGetValue(scope, out var token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (_basic && _credential is not null)
        {
            request.Headers.Authorization = BasicHeader(_credential);
        }
    }

    /// <summary>
    /// Learns from a 401 challenge; true when the request is worth sending again (new credentials or
    /// a new token to offer), false when what was offered was refused already. <paramref name="offered"/>
    /// says whether the refused request carried credentials (one sent side by side before another
    /// request's answer taught us what to offer did not).
    /// </summary>
    public bool Answer(AuthChallenge? challenge, string scope, bool offered, HttpClient http, RegistryEndpoint endpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return AnswerLocked(challenge, scope, offered, http, endpoint, cancellationToken);
        }
    }

    private bool AnswerLocked(AuthChallenge? challenge, string scope, bool offered, HttpClient http, RegistryEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (challenge is null)
        {
            return false;
        }

        if (challenge.IsBasic)
        {
            if ((_basic && offered) || _credential is null)
            {
                return false;
            }

            _basic = true;
            return true;
        }

        if (!challenge.IsBearer || challenge["realm"] is not { Length: > 0 } realm)
        {
            return false;
        }

        _bearer = challenge;
        if (!offered && _tokens.ContainsKey(scope))
        {
            return true;
        }

        _tokens[scope] = FetchToken(http, endpoint, realm, challenge["service"], scope, challenge["scope"], cancellationToken);
        return true;
    }

    /// <summary>A token for <paramref name="scope"/> before any request, when the registry is known to want Bearer tokens.</summary>
    public void Prepare(string scope, HttpClient http, RegistryEndpoint endpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_bearer is not null && !_tokens.ContainsKey(scope))
            {
                _tokens[scope] = FetchToken(http, endpoint, _bearer["realm"]!, _bearer["service"], scope, null, cancellationToken);
            }
        }
    }

    private string FetchToken(HttpClient http, RegistryEndpoint endpoint, string realm, string? service, string scope, string? challengeScope, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!string.IsNullOrEmpty(challengeScope) && !scopes.Any(s => Resource(s) == Resource(challengeScope)))
        {
            scopes.Add(challengeScope);
        }

        query.AddRange(scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        if (!Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || (realmUri.Scheme != Uri.UriSchemeHttps && realmUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new LayerToolsException("RegistryError", ErrorKind.InvalidData, $"The registry {endpoint.Host} names a token service that is not an http(s) address: '{realm}'.", endpoint.Domain);
        }

        if (_credential is not null && realmUri.Scheme == Uri.UriSchemeHttp && !RegistryEndpoint.Parse(realmUri.Authority).AllowsPlainHttp)
        {
            throw new LayerToolsException("InsecureTokenRealm", ErrorKind.SecurityError, $"The registry {endpoint.Host} sends sign-ins to a token service over plain HTTP ({realmUri.Authority}); LayerTools does not send a password there. List the host in $env:{RegistryEndpoint.InsecureVariable} if it is trusted.", endpoint.Domain);
        }

        var builder = new UriBuilder(realmUri) { Query = string.Join('&', (realmUri.Query.TrimStart('?') is { Length: > 0 } q ? [q] : Array.Empty<string>()).Concat(query)) };
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        if (_credential is not null)
        {
            request.Headers.Authorization = BasicHeader(_credential);
        }

        HttpResponseMessage response;
        try
        {
            response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (RegistryErrors.IsTransport(ex))
        {
            throw new LayerToolsException("RegistryUnreachable", ErrorKind.ResourceUnavailable, $"Cannot reach the token service of {endpoint.Host} ({realmUri.Authority}): {ex.Message}", endpoint.Domain, ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw RegistryErrors.FromResponse(response, $"a token for {scope}", endpoint.Domain);
            }

            var bytes = RegistryClient.ReadLimited(response, MaxTokenResponse, "token response", endpoint.Domain);
            var json = JsonDocuments.ParseObject(bytes, "token response", "RegistryError");
            var token = JsonDocuments.GetString(json, "token") ?? JsonDocuments.GetString(json, "access_token");
            return string.IsNullOrEmpty(token)
                ? throw new LayerToolsException("RegistryError", ErrorKind.InvalidData, $"The token service of {endpoint.Host} answered without a token.", endpoint.Domain)
                : token;
        }
    }

    /// <summary>The type:name part of a scope (repository:team/app of repository:team/app:pull,push).</summary>
    private static string Resource(string scope) => scope.LastIndexOf(':') is var colon and > 0 ? scope[..colon] : scope;

    private static AuthenticationHeaderValue BasicHeader(NetworkCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)));
}
