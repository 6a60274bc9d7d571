using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>Lists the paths where a container differs from its image, like <c>docker diff</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerChange")]
[OutputType(typeof(ContainerChange))]
public sealed class GetContainerChangeCommand : ContainerCmdlet
{
    protected override void Process()
    {
        foreach (var (containers, key, input) in ResolveContainers())
        {
            try
            {
                // Addressed on the Container: drive, so a piped change acts in the container, never on the host.
                foreach (var change in containers.Open(key).Changes())
                {
                    WriteObject(Provider.DrivePath.Addressed(change, change.Path, Provider.DrivePath.ForFile(Provider.DriveKind.Container, containers.Store.Root, change.Container, change.Path)));
                }
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, input);
            }
        }
    }
}
