using System.Net;

namespace LayerTools.Core.Registry;

/// <summary>How to reach a registry: the credential (null: anonymous, or what docker's config gives), TLS trust, timeouts.</summary>
internal sealed class RegistryOptions
{
    /// <summary>The user name and password (or token) to sign in with; its ToString never shows the secret.</summary>
    public NetworkCredential? Credential { get; init; }

    /// <summary>Accept any server certificate, as -SkipCertificateCheck does for PowerShell's web cmdlets.</summary>
    public bool SkipCertificateCheck { get; init; }

    /// <summary>The environment variable that replaces the certs.d folders (a list separated by ':'), so tests and users need not write to /etc.</summary>
    public const string CertificateDirectoriesVariable = "LAYERTOOLS_CERTS_D";

    /// <summary>
    /// Folders holding &lt;host:port&gt;/*.crt certificate authorities to trust besides the system's, and
    /// *.cert + *.key client certificates (docker's and podman's certs.d); <c>$env:LAYERTOOLS_CERTS_D</c> replaces them.
    /// </summary>
    public IReadOnlyList<string> CertificateDirectories { get; init; } = DefaultCertificateDirectories();

    /// <summary>How many blobs a pull transfers at once (docker pulls 3 at once).</summary>
    public int MaxConcurrentTransfers { get; init; } = 3;

    /// <summary>
    /// How many blobs a push sends at once: 5, docker's max-concurrent-uploads (skopeo copies 6). A push
    /// compresses as it sends, so every layer running at once keeps both cores compressing while a
    /// finished layer waits for the registry to close and commit its upload, where three at a time left
    /// the cores idle between the third layer's end and the fourth's first block.
    /// </summary>
    public int MaxConcurrentUploads { get; init; } = 5;

    /// <summary>How long to wait for a connection or a response's headers.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Upload every blob in PATCH chunks of this many bytes, as when a registry (or a proxy before it) limits request bodies; null: one PUT unless the registry asks for chunks.</summary>
    public int? ChunkBytes { get; init; }

    /// <summary>How long a blob transfer may go without a byte before it is given up.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    private static string[] DefaultCertificateDirectories() =>
        Environment.GetEnvironmentVariable(CertificateDirectoriesVariable) is { Length: > 0 } list
            ? list.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : ["/etc/docker/certs.d", "/etc/containers/certs.d"];
}
