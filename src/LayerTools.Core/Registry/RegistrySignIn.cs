using System.Net;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// How one command signs in to the registries it reaches: the credential given to it (-Credential,
/// used for every registry the command reaches, as buildah's and podman's --creds are), else the
/// credential saved for each registry (REGISTRY_AUTH_FILE, docker's credHelpers/credsStore/auths),
/// else anonymous; and whether certificates are checked. Nothing here saves or shows the secret.
/// </summary>
internal sealed class RegistrySignIn
{
    public RegistrySignIn(NetworkCredential? credential, bool skipCertificateCheck)
    {
        Credential = credential;
        SkipCertificateCheck = skipCertificateCheck;
    }

    /// <summary>Saved credentials only, certificates checked: what a command without -Credential uses.</summary>
    public static RegistrySignIn Saved { get; } = new(null, false);

    /// <summary>The credential the command was given; null: the saved one for each registry.</summary>
    public NetworkCredential? Credential { get; }

    public bool SkipCertificateCheck { get; }

    /// <summary>The sign-in of the command that opened <paramref name="store"/> (the one its remote-layer fetcher was given), else <see cref="Saved"/>.</summary>
    public static RegistrySignIn Of(LayerStore store) => (store.RemoteFetcher as RegistryLayerFetcher)?.SignIn ?? Saved;

    /// <summary>The credential for <paramref name="endpoint"/> and where it came from (for verbose output: the user's name, never the secret); null: anonymous.</summary>
    public (NetworkCredential Credential, string Source)? For(RegistryEndpoint endpoint) =>
        Credential is not null ? (Credential, "-Credential") : CredentialStore.Find(endpoint);

    /// <summary>A client for <paramref name="endpoint"/> signed in as <see cref="For"/> says.</summary>
    public RegistryClient Open(RegistryEndpoint endpoint) =>
        new(endpoint, new RegistryOptions { Credential = For(endpoint)?.Credential, SkipCertificateCheck = SkipCertificateCheck });

    /// <summary>"as 'alice' (-Credential)", "as 'bob' (saved in …)" or "anonymously", for verbose output.</summary>
    public string Describe(RegistryEndpoint endpoint) =>
        For(endpoint) is { } found ? $"as '{found.Credential.UserName}' ({(found.Source == "-Credential" ? found.Source : "saved in " + found.Source)})" : "anonymously";
}
