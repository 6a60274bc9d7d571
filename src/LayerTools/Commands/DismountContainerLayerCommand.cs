using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>Unmounts a container mounted with Mount-ContainerLayer; its changes stay in the container.</summary>
[Cmdlet(VerbsData.Dismount, "ContainerLayer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(void))]
public sealed class DismountContainerLayerCommand : ContainerCmdlet
{
    protected override void Process()
    {
        foreach (var (containers, key, input) in ResolveContainers())
        {
            if (!ShouldProcess(key, "Dismount container"))
            {
                continue;
            }

            try
            {
                var target = ContainerMounter.Dismount(containers, key);
                WriteVerbose($"Dismounted container {key} from {target}.");
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, input);
            }
        }
    }
}
