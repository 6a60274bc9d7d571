using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace LayerTools.Core.Registry;

/// <summary>
/// Which server certificates a registry connection accepts: the system's roots, plus the certificate
/// authorities in <c>&lt;certs.d&gt;/&lt;host:port&gt;/*.crt</c> (docker's and podman's layout), or anything
/// with -SkipCertificateCheck; and the client certificates offered, the <c>*.cert</c> + <c>*.key</c> pairs
/// there (a .cert without its .key, or a .key without its .cert, is an error, as docker makes it).
/// Remembers whether a certificate was seen and refused.
/// </summary>
internal sealed class CertificateTrust
{
    private readonly X509Certificate2Collection _extra = new();
    private readonly bool _skip;

    public CertificateTrust(RegistryEndpoint endpoint, RegistryOptions options)
    {
        _skip = options.SkipCertificateCheck;
        foreach (var root in options.CertificateDirectories)
        {
            var dir = Path.Combine(root, endpoint.Host);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(dir, "*.crt").Order(StringComparer.Ordinal))
            {
                _extra.ImportFromPemFile(file);
            }

            foreach (var cert in Directory.EnumerateFiles(dir, "*.cert").Order(StringComparer.Ordinal))
            {
                var key = Path.ChangeExtension(cert, ".key");
                ClientCertificates.Add(File.Exists(key)
                    ? X509Certificate2.CreateFromPemFile(cert, key)
                    : throw Incomplete($"The client certificate '{cert}' has no key '{Path.GetFileName(key)}' beside it (a certificate authority's file ends in .crt).", cert));
            }

            foreach (var key in Directory.EnumerateFiles(dir, "*.key").Order(StringComparer.Ordinal))
            {
                if (!File.Exists(Path.ChangeExtension(key, ".cert")))
                {
                    throw Incomplete($"The key '{key}' has no client certificate '{Path.GetFileName(Path.ChangeExtension(key, ".cert"))}' beside it.", key);
                }
            }
        }
    }

    /// <summary>The client certificates (with their keys) to offer the registry.</summary>
    public X509Certificate2Collection ClientCertificates { get; } = new();

    private static LayerToolsException Incomplete(string message, string path) => new("ClientCertificateIncomplete", ErrorKind.InvalidData, message, path);

    /// <summary>True once the server presented a certificate (it speaks TLS).</summary>
    public bool CertificateSeen { get; private set; }

    /// <summary>True once a certificate was refused.</summary>
    public bool Rejected { get; private set; }

    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        CertificateSeen = true;
        if (_skip || errors == SslPolicyErrors.None)
        {
            return true;
        }

        var accepted = errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && _extra.Count > 0 && ChainsToExtra(certificate);
        Rejected |= !accepted;
        return accepted;
    }

    private bool ChainsToExtra(X509Certificate certificate)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extra);
        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
