using System.Management.Automation;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>Removes the credential saved for a registry, as docker logout does.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "ImageRegistry", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class DisconnectImageRegistryCommand : LayerToolsCmdlet
{
    /// <summary>host[:port] of the registry; docker.io for Docker Hub.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = string.Empty;

    protected override void Process()
    {
        var endpoint = RegistryEndpoint.Parse(Registry);
        if (!ShouldProcess(CredentialStore.DockerConfigPath(), $"Remove the credential for {endpoint.Domain}"))
        {
            return;
        }

        if (CredentialStore.Remove(endpoint))
        {
            WriteVerbose($"Removed the credential for {endpoint.Domain}.");
        }
        else
        {
            WriteWarning($"No credential was saved for {endpoint.Domain}.");
        }
    }
}
