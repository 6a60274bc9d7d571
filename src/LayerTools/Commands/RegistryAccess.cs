using System.Management.Automation;
using System.Net;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>
/// Opens a registry client for a cmdlet: -Credential when given, else the credential saved for the
/// registry (REGISTRY_AUTH_FILE, docker's credHelpers/credsStore/auths), else anonymous. Verbose
/// output names the user and where the credential came from, never the secret.
/// </summary>
internal static class RegistryAccess
{
    public static RegistryClient Open(Cmdlet cmdlet, RegistryEndpoint endpoint, PSCredential? credential, bool skipCertificateCheck)
    {
        NetworkCredential? chosen = null;
        if (credential is not null && credential != PSCredential.Empty)
        {
            chosen = credential.GetNetworkCredential();
            cmdlet.WriteVerbose($"Signing in to {endpoint.Domain} as '{chosen.UserName}' (-Credential).");
        }
        else if (CredentialStore.Find(endpoint) is { } saved)
        {
            chosen = saved.Credential;
            cmdlet.WriteVerbose($"Signing in to {endpoint.Domain} as '{chosen.UserName}' (saved in {saved.Source}).");
        }
        else
        {
            cmdlet.WriteVerbose($"No credential for {endpoint.Domain}: going anonymously.");
        }

        if (skipCertificateCheck)
        {
            cmdlet.WriteVerbose($"-SkipCertificateCheck: the certificate of {endpoint.Host} is not checked.");
        }

        return new RegistryClient(endpoint, new RegistryOptions { Credential = chosen, SkipCertificateCheck = skipCertificateCheck });
    }
}
