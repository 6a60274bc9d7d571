using System.Management.Automation;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>Checks a credential against a registry and saves it where docker, podman and skopeo read it, as docker login does.</summary>
[Cmdlet(VerbsCommunications.Connect, "ImageRegistry", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class ConnectImageRegistryCommand : LayerToolsCmdlet
{
    /// <summary>host[:port] of the registry; docker.io for Docker Hub.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = string.Empty;

    /// <summary>The user name and password (or access token).</summary>
    [Parameter(Mandatory = true)]
    [Credential]
    [ValidateNotNull]
    public PSCredential Credential { get; set; } = PSCredential.Empty;

    /// <summary>Accept any certificate from the registry.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void Process()
    {
        var endpoint = RegistryEndpoint.Parse(Registry);
        using (var client = RegistryAccess.Open(this, endpoint, Credential, SkipCertificateCheck))
        {
            client.Probe(CancellationToken);
        }

        WriteVerbose($"{endpoint.Domain} accepted '{Credential.UserName}'.");
        if (ShouldProcess(CredentialStore.DockerConfigPath(), $"Save the credential of '{Credential.UserName}' for {endpoint.Domain}"))
        {
            var where = CredentialStore.Save(endpoint, Credential.GetNetworkCredential());
            WriteVerbose($"Saved the credential for {endpoint.Domain} in {where}.");
        }
    }
}
