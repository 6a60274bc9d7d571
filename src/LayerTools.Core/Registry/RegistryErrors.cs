using System.Net.Sockets;
using System.Net;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// A registry's failures as LayerTools errors with stable ids: one line that says what was asked,
/// the HTTP status, and the registry's own error code and message (never a credential).
/// </summary>
internal static class RegistryErrors
{
    /// <summary>How much of an error body is read.</summary>
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>The error for a response that is not what <paramref name="what"/> wanted.</summary>
    public static LayerToolsException FromResponse(HttpResponseMessage response, string what, object target)
    {
        var status = (int)response.StatusCode;
        var (code, message) = ReadError(response);
        var said = code is null ? $"HTTP {status}" : $"HTTP {status}, {code}" + (string.IsNullOrEmpty(message) ? string.Empty : ": " + message);
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Unauthorized(what, said, target),
            HttpStatusCode.NotFound when code == "MANIFEST_UNKNOWN" => new("ManifestUnknown", ErrorKind.ObjectNotFound, $"The registry has no manifest for {what} ({said}).", target),
            HttpStatusCode.NotFound when code == "BLOB_UNKNOWN" => new("BlobUnknown", ErrorKind.ObjectNotFound, $"The registry has no blob for {what} ({said}).", target),
            HttpStatusCode.NotFound => new("ImageNotFound", ErrorKind.ObjectNotFound, $"The registry has no {what} ({said}).", target),
            HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError => new("RegistryUnavailable", ErrorKind.ResourceUnavailable, $"The registry could not serve {what} ({said}); try again later.", target),
            >= HttpStatusCode.Redirect and < HttpStatusCode.BadRequest => new("RegistryRedirectLoop", ErrorKind.InvalidData, $"The registry redirected {what} too many times ({said}).", target),
            _ => new("RegistryError", ErrorKind.InvalidOperation, $"The registry refused {what} ({said}).", target),
        };
    }

    /// <summary>
    /// Checks the digest a registry says it stored (<c>Docker-Content-Digest</c>, when it sends one)
    /// against the digest that was sent: another digest means the registry holds other bytes under
    /// our name: for a blob, the push stops before the manifest, so nothing is tagged.
    /// </summary>
    public static void CheckStoredDigest(HttpResponseMessage response, string sent, string what, object target, bool manifest = false)
    {
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var said) && said.FirstOrDefault() is { } stored && !string.Equals(stored.Trim(), sent, StringComparison.Ordinal))
        {
            var consequence = manifest ? "the registry may have tagged what it stored: check the tag before using it" : "the push was stopped before the manifest, so nothing was tagged";
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{what}': the registry says it stored {stored.Trim()}, not the {sent} that was sent; {consequence}.", target);
        }
    }

    public static LayerToolsException Unauthorized(string what, string said, object target) =>
        new("RegistryUnauthorized", ErrorKind.SecurityError, $"The registry refused access to {what} ({said}). Sign in with Connect-ImageRegistry or give -Credential.", target);

    /// <summary>The error for a request that never got an answer: unreachable, a certificate not trusted, a timeout.</summary>
    public static LayerToolsException FromTransport(Exception ex, RegistryEndpoint endpoint, bool certificateRejected)
    {
        if (certificateRejected || ex.InnerException is AuthenticationException)
        {
            return new LayerToolsException("CertificateUntrusted", ErrorKind.SecurityError, certificateRejected
                ? $"The certificate of {endpoint.Host} is not trusted. Add its certificate authority to /etc/docker/certs.d/{endpoint.Host}/ca.crt (or the system's roots), or give -SkipCertificateCheck."
                : $"The TLS connection to {endpoint.Host} failed: {ex.InnerException!.Message}{PlainHttpHint(endpoint)}", endpoint.Domain, ex);
        }

        var why = ex is TaskCanceledException or OperationCanceledException or TimeoutException ? "it did not answer in time" : Innermost(ex).Message.TrimEnd('.');
        if (why.Contains("alert bad certificate", StringComparison.OrdinalIgnoreCase) || why.Contains("alert certificate required", StringComparison.OrdinalIgnoreCase))
        {
            // The server ended the TLS session over our (missing or refused) client certificate.
            why += $"; the registry wants a client certificate it trusts: put the *.cert and *.key pair in /etc/docker/certs.d/{endpoint.Host}/ (or the folders in $env:{RegistryOptions.CertificateDirectoriesVariable})";
        }

        return new LayerToolsException("RegistryUnreachable", ErrorKind.ResourceUnavailable, $"Cannot reach the registry {endpoint.Host}: {why}.", endpoint.Domain, ex);
    }

    /// <summary>What a user of a plain-HTTP registry that is not on loopback needs to hear when its TLS handshake fails (the server answered, but not in TLS).</summary>
    private static string PlainHttpHint(RegistryEndpoint endpoint) =>
        endpoint.AllowsPlainHttp ? string.Empty : $" (if it serves plain HTTP, list it in $env:{RegistryEndpoint.InsecureVariable}: plain HTTP is used only for loopback and the hosts listed there)";

    public static bool IsTransport(Exception ex) => ex is HttpRequestException or IOException or SocketException
        || (ex is TaskCanceledException tce && tce.InnerException is TimeoutException);

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    /// <summary>The first entry of a distribution-spec error body: <c>{"errors":[{"code","message"}]}</c>.</summary>
    public static (string? Code, string? Message) ReadError(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStream();
            var buffer = new byte[MaxErrorBody];
            var n = 0;
            int r;
            while (n < buffer.Length && (r = stream.Read(buffer, n, buffer.Length - n)) > 0)
            {
                n += r;
            }

            var json = JsonDocuments.Parse(buffer.AsSpan(0, n), "error", "RegistryError") as JsonObject;
            if (json?["errors"] is JsonArray { Count: > 0 } errors && errors[0] is JsonObject first)
            {
                return (JsonDocuments.GetString(first, "code"), JsonDocuments.GetString(first, "message"));
            }
        }
        catch (Exception ex) when (ex is LayerToolsException or IOException or HttpRequestException)
        {
            // No readable error body: the status says enough.
        }

        return (null, null);
    }
}
