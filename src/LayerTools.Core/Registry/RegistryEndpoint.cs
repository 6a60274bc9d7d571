using System.Net;
using LayerTools.Core.Images;

namespace LayerTools.Core.Registry;

/// <summary>
/// A registry as references name it (<c>docker.io</c>, <c>127.0.0.1:5000</c>): the host requests go to
/// (Docker Hub's is <c>registry-1.docker.io</c>), the key its credentials are saved under (Docker Hub's
/// is <c>https://index.docker.io/v1/</c>), and whether plain HTTP is allowed (loopback, as docker allows,
/// or a host listed in <c>$env:LAYERTOOLS_INSECURE_REGISTRIES</c>).
/// </summary>
internal sealed class RegistryEndpoint
{
    public const string InsecureVariable = "LAYERTOOLS_INSECURE_REGISTRIES";
    public const string DockerHubHost = "registry-1.docker.io";
    public const string DockerHubCredentialKey = "https://index.docker.io/v1/";

    private RegistryEndpoint(string domain)
    {
        Domain = domain;
        Host = domain == ImageReference.DockerHub ? DockerHubHost : domain;
        AllowsPlainHttp = IsLoopback(HostName(domain)) || IsListedInsecure(domain);
    }

    /// <summary>The registry as a reference names it.</summary>
    public string Domain { get; }

    /// <summary>host[:port] that requests go to.</summary>
    public string Host { get; }

    public bool AllowsPlainHttp { get; }

    /// <summary>The key of <c>auths</c> in docker's config.json.</summary>
    public string CredentialKey => Domain == ImageReference.DockerHub ? DockerHubCredentialKey : Domain;

    public static RegistryEndpoint For(ImageReference reference) => new(reference.Domain);

    /// <summary>A registry typed as host[:port] (or docker.io, or Docker Hub's credential key).</summary>
    public static RegistryEndpoint Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = new Uri(trimmed).Authority;
        }

        if (trimmed is "index.docker.io" or DockerHubHost or "registry.hub.docker.com")
        {
            trimmed = ImageReference.DockerHub;
        }

        if (!ImageReference.TryParse(trimmed + "/probe", out var reference) || reference!.Domain != trimmed)
        {
            throw new LayerToolsException("InvalidRegistry", ErrorKind.InvalidArgument, $"'{text}' is not a registry; give host[:port], for example 'registry.example:5000' or 'docker.io'.", text);
        }

        return new RegistryEndpoint(trimmed);
    }

    private static string HostName(string domain)
    {
        if (domain.StartsWith('['))
        {
            var close = domain.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? domain : domain[1..close];
        }

        var colon = domain.LastIndexOf(':');
        return colon < 0 ? domain : domain[..colon];
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static bool IsListedInsecure(string domain)
    {
        var list = Environment.GetEnvironmentVariable(InsecureVariable);
        if (string.IsNullOrWhiteSpace(list))
        {
            return false;
        }

        var host = HostName(domain);
        return list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(entry => entry.Equals(domain, StringComparison.OrdinalIgnoreCase) || entry.Equals(host, StringComparison.OrdinalIgnoreCase));
    }

    public override string ToString() => Domain;
}
