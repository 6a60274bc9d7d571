using System.Net.Http.Headers;
using System.Net;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// Talks the distribution API to one registry: the <c>/v2/</c> probe (HTTPS; plain HTTP only where
/// <see cref="RegistryEndpoint.AllowsPlainHttp"/>), every request authorized for its scope and sent
/// again once after a 401 with what the challenge asks for. Synchronous, on the caller's thread.
/// </summary>
internal sealed class RegistryClient : IDisposable
{
    /// <summary>A manifest or index larger than this is refused (as containerd and distribution do).</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    public static readonly string ManifestAccept = string.Join(", ", MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest);

    private readonly HttpClient _http;

    /// <summary>For request bodies streamed from the store (uploads): no overall timeout, since a large blob takes as long as it takes; the caller watches for a stall.</summary>
    private readonly HttpClient _uploads;
    private readonly CertificateTrust _trust;
    private readonly RegistryAuthenticator _auth;
    private readonly object _resolving = new();
    private Uri? _base;

    public RegistryClient(RegistryEndpoint endpoint, RegistryOptions options)
    {
        Endpoint = endpoint;
        Options = options;
        _trust = new CertificateTrust(endpoint, options);
        _auth = new RegistryAuthenticator(options.Credential);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            ConnectTimeout = options.Timeout,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,

            // A response given up before its end (Ctrl+C, a stall: TransferStream disposes it) closes its
            // connection at once: with the default 2 s drain the connection stayed open to read the rest
            // (up to 1 MiB) and a read blocked on it went on waiting, so a cancelled pull returned ~2 s late.
            // Bytes already received are still drained, so a small error body read whole keeps its connection.
            ResponseDrainTimeout = TimeSpan.Zero,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => _trust.Validate(certificate, chain, errors);
        if (_trust.ClientCertificates.Count > 0)
        {
            handler.SslOptions.ClientCertificates = _trust.ClientCertificates;
        }

        _http = new HttpClient(handler) { Timeout = options.Timeout };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("LayerTools/0.1");
        _uploads = new HttpClient(handler, disposeHandler: false) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _uploads.DefaultRequestHeaders.UserAgent.ParseAdd("LayerTools/0.1");
    }

    public RegistryEndpoint Endpoint { get; }

    /// <summary>What went wrong on the side (an abandoned upload the registry would not cancel), for the command's verbose output; added from any thread.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Notes { get; } = new();

    public RegistryOptions Options { get; }

    public static string PullScope(string repository) => $"repository:{repository}:pull";

    public static string PushScope(string repository) => $"repository:{repository}:pull,push";

    /// <summary>
    /// GET /v2/: finds the scheme and checks that the registry accepts us. With a credential, a
    /// registry that challenges is answered at once, so a wrong password fails here.
    /// </summary>
    public void Probe(CancellationToken cancellationToken)
    {
        using var response = Send(HttpMethod.Get, "/v2/", scope: string.Empty, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw RegistryErrors.FromResponse(response, $"the API of {Endpoint.Host}", Endpoint.Domain);
        }
    }

    /// <summary>Sends a request authorized for <paramref name="scope"/>; after a 401 it answers the challenge and sends it once more.</summary>
    public HttpResponseMessage Send(HttpMethod method, string pathAndQuery, string scope, CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null) =>
        Send(() => new HttpRequestMessage(method, Resolve(pathAndQuery, cancellationToken)), scope, configure, cancellationToken);

    /// <summary>As <see cref="Send(HttpMethod, string, string, CancellationToken, Action{HttpRequestMessage})"/> for an absolute address (an upload's Location).</summary>
    /// <remarks>A request with a <paramref name="streamed"/> body is not sent twice: its stream is spent; <see cref="Authorize"/> first.</remarks>
    public HttpResponseMessage Send(HttpMethod method, Uri uri, string scope, CancellationToken cancellationToken, Action<HttpRequestMessage>? configure = null, bool streamed = false) =>
        Send(() => new HttpRequestMessage(method, uri), scope, configure, cancellationToken, streamed);

    private HttpResponseMessage Send(Func<HttpRequestMessage> build, string scope, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken, bool streamed = false)
    {
        var response = SendOnce(build, scope, configure, cancellationToken, streamed);

        // Twice at most: a first challenge, then a token refused (expired, revoked) is fetched once more.
        for (var answered = 0; answered < 2 && response.StatusCode == HttpStatusCode.Unauthorized && !streamed; answered++)
        {
            var challenge = AuthChallenge.From(response.Headers.WwwAuthenticate);
            var offered = response.RequestMessage?.Headers.Authorization is not null;
            if (!_auth.Answer(challenge, scope, offered, _http, Endpoint, cancellationToken))
            {
                if (challenge?.IsBasic == true && !_auth.HasCredential)
                {
                    response.Dispose();
                    throw RegistryErrors.Unauthorized(Endpoint.Host, "it asks for a user name and password", Endpoint.Domain);
                }

                return response;
            }

            response.Dispose();
            response = SendOnce(build, scope, configure, cancellationToken, streamed);
        }

        return response;
    }

    /// <summary>How many times a read (GET, HEAD) is tried when the registry is busy (429, 502, 503, 504) or drops the connection.</summary>
    public const int Attempts = 3;

    private HttpResponseMessage SendOnce(Func<HttpRequestMessage> build, string scope, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken, bool streamed)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            var idempotent = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
            _auth.Apply(request, scope);
            configure?.Invoke(request);
            HttpResponseMessage response;
            try
            {
                response = (streamed ? _uploads : _http).Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException ex) when (idempotent && attempt < Attempts && ex.HttpRequestError == HttpRequestError.ResponseEnded && !cancellationToken.IsCancellationRequested)
            {
                Backoff(attempt, null, cancellationToken);
                continue;
            }
            catch (Exception ex) when (RegistryErrors.IsTransport(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw RegistryErrors.FromTransport(ex, Endpoint, _trust.Rejected);
            }

            if (idempotent && attempt < Attempts && (int)response.StatusCode is 429 or 502 or 503 or 504)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                response.Dispose();
                Backoff(attempt, retryAfter, cancellationToken);
                continue;
            }

            return response;
        }
    }

    /// <summary>Waits before the next attempt: what Retry-After asks (at most 10 s), else 0.5 s, 1 s, 2 s, ….</summary>
    public static void Backoff(int attempt, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var delay = retryAfter is { } asked && asked > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(asked.TotalSeconds, 10)) : TimeSpan.FromMilliseconds(500 * (1 << (attempt - 1)));
        cancellationToken.WaitHandle.WaitOne(delay);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>A token for <paramref name="scope"/> ahead of a request whose body cannot be sent twice.</summary>
    public void Authorize(string scope, CancellationToken cancellationToken) => _auth.Prepare(scope, _http, Endpoint, cancellationToken);

    /// <summary>HEAD a blob: true when the repository has it.</summary>
    public bool HasBlob(string repository, string digest, string scope, CancellationToken cancellationToken)
    {
        using var response = Send(HttpMethod.Head, $"/v2/{repository}/blobs/{digest}", scope, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw RegistryErrors.FromResponse(response, $"blob {digest} of {Endpoint.Domain}/{repository}", digest),
        };
    }

    /// <summary>The address of a path on this registry, once the scheme is known (https, or http where allowed and the server does not speak TLS).</summary>
    public Uri Resolve(string pathAndQuery, CancellationToken cancellationToken)
    {
        lock (_resolving)
        {
            if (_base is null)
            {
                var https = new Uri("https://" + Endpoint.Host + "/");
                _base = Endpoint.AllowsPlainHttp && !SpeaksTls(https, cancellationToken) ? new Uri("http://" + Endpoint.Host + "/") : https;
            }
        }

        return new Uri(_base, pathAndQuery);
    }

    /// <summary>Resolves a Location header (absolute or relative to the registry) from an upload response.</summary>
    public Uri Location(HttpResponseMessage response, string what)
    {
        var location = response.Headers.Location
            ?? throw new LayerToolsException("RegistryError", ErrorKind.InvalidData, $"The registry {Endpoint.Host} answered {what} without a Location.", Endpoint.Domain);
        return location.IsAbsoluteUri ? location : new Uri(_base!, location);
    }

    private bool SpeaksTls(Uri https, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(https, "/v2/"));
        try
        {
            using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return true;
        }
        catch (HttpRequestException) when (!_trust.CertificateSeen && !cancellationToken.IsCancellationRequested)
        {
            // No certificate came back: the server speaks plain HTTP (or nothing, which the next request reports).
            return false;
        }
        catch (Exception ex) when (RegistryErrors.IsTransport(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw RegistryErrors.FromTransport(ex, Endpoint, _trust.Rejected);
        }
    }

    /// <summary>Reads a small body whole, refusing one larger than <paramref name="limit"/> (whatever Content-Length says).</summary>
    public static byte[] ReadLimited(HttpResponseMessage response, int limit, string what, object target)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(what, limit, target);
        }

        using var stream = response.Content.ReadAsStream();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limit)
            {
                throw TooLarge(what, limit, target);
            }
        }

        return buffer.ToArray();
    }

    private static LayerToolsException TooLarge(string what, int limit, object target) =>
        new("ManifestTooLarge", ErrorKind.LimitsExceeded, $"The registry sent a {what} larger than {limit / (1024 * 1024)} MiB; LayerTools refuses it.", target);

    /// <summary>GET a manifest or index by tag or digest: its bytes (checked against the digest when one was asked for), media type and digest.</summary>
    public FetchedManifest GetManifest(string repository, string reference, CancellationToken cancellationToken)
    {
        var what = $"{Endpoint.Domain}/{repository}:{reference}";
        if (Digest.IsValid(reference))
        {
            what = $"{Endpoint.Domain}/{repository}@{reference}";
        }

        using var response = Send(HttpMethod.Get, $"/v2/{repository}/manifests/{reference}", PullScope(repository), cancellationToken, r => r.Headers.Accept.ParseAdd(ManifestAccept));
        if (!response.IsSuccessStatusCode)
        {
            throw RegistryErrors.FromResponse(response, what, what);
        }

        var bytes = ReadLimited(response, MaxManifestBytes, "manifest", what);
        var digest = Digest.Of(bytes);
        if (Digest.IsValid(reference) && digest != reference)
        {
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{what}': the manifest the registry sent has the digest {digest}; it was damaged or altered.", what);
        }

        var json = JsonDocuments.ParseObject(bytes, what, "InvalidManifest");
        var mediaType = JsonDocuments.GetString(json, "mediaType") ?? response.Content.Headers.ContentType?.MediaType ?? string.Empty;
        return new FetchedManifest(bytes, mediaType, digest, json);
    }

    public void Dispose()
    {
        _uploads.Dispose();
        _http.Dispose();
    }

    /// <summary>The Accept value for blob requests.</summary>
    public static void AcceptAnything(HttpRequestMessage request) => request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
}
