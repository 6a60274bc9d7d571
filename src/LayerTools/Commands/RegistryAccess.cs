using System.Management.Automation;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;

namespace LayerTools.Commands;

/// <summary>
/// Opens a registry client for a cmdlet: -Credential when given, else the credential saved for the
/// registry (REGISTRY_AUTH_FILE, docker's credHelpers/credsStore/auths), else anonymous. Verbose
/// output names the user and where the credential came from, never the secret.
/// </summary>
internal static class RegistryAccess
{
    public static RegistryClient Open(Cmdlet cmdlet, RegistryEndpoint endpoint, PSCredential? credential, bool skipCertificateCheck) =>
        Open(cmdlet, endpoint, SignIn(credential, skipCertificateCheck));

    public static RegistryClient Open(Cmdlet cmdlet, RegistryEndpoint endpoint, RegistrySignIn signIn)
    {
        cmdlet.WriteVerbose(signIn.For(endpoint) is null ? $"No credential for {endpoint.Domain}: going anonymously." : $"Signing in to {endpoint.Domain} {signIn.Describe(endpoint)}.");
        if (signIn.SkipCertificateCheck)
        {
            cmdlet.WriteVerbose($"-SkipCertificateCheck: the certificate of {endpoint.Host} is not checked.");
        }

        return signIn.Open(endpoint);
    }

    /// <summary>Writes what went wrong on the side of a registry command (an abandoned upload the registry would not cancel) as verbose lines, on the cmdlet's thread.</summary>
    public static void WriteNotes(Cmdlet cmdlet, RegistryClient client)
    {
        while (client.Notes.TryDequeue(out var note))
        {
            cmdlet.WriteVerbose(note);
        }
    }

    /// <summary>The sign-in -Credential and -SkipCertificateCheck ask for (an empty credential: the saved ones).</summary>
    public static RegistrySignIn SignIn(PSCredential? credential, bool skipCertificateCheck) =>
        new(credential is not null && credential != PSCredential.Empty ? credential.GetNetworkCredential() : null, skipCertificateCheck);

    /// <summary>True when <paramref name="text"/> is an image reference whose first part is a registry (a host with a dot or a port, or localhost), as docker tells them.</summary>
    public static bool NamesRegistry(object? text) =>
        text is string s && ImageReference.TryParse(s.Trim(), out var reference) && s.Trim().StartsWith(reference!.Domain + "/", StringComparison.Ordinal)
        && (reference.Domain.Contains('.') || reference.Domain.Contains(':') || reference.Domain == "localhost");

    /// <summary>
    /// An image named by a reference that names its registry (<c>registry.example:5000/team/app:1</c>,
    /// not a bare <c>app:1</c>), read from there without pulling it: its manifest and config go into the
    /// store as blobs nothing names (index.json is left alone; a collect removes them), its layers the
    /// store lacks become remote layers, fetched only if something reads their files. Null when the text
    /// does not name a registry.
    /// </summary>
    public static StoredImage? ReadImage(Cmdlet cmdlet, RegistrySignIn signIn, LayerStore store, string text, CancellationToken cancellationToken)
    {
        var trimmed = text.Trim();
        if (!NamesRegistry(trimmed) || !ImageReference.TryParse(trimmed, out var reference) || reference is null)
        {
            return null;
        }

        using var client = Open(cmdlet, RegistryEndpoint.For(reference), signIn);
        var (image, remote) = ImagePuller.PullManifest(store, client, reference, null, cancellationToken, named: false);
        cmdlet.WriteVerbose($"{trimmed} is not in the store: read its manifest and config from {reference.Domain}; {remote} layer(s) the store lacks are fetched only if their files are read.");
        return image;
    }
}
