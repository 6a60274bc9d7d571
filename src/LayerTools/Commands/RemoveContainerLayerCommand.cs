using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>
/// Removes a container, like <c>docker rm</c>: its writable layer is deleted and nothing else (the
/// image and its layers stay). A mounted container is refused unless -Force, which dismounts it first.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ContainerLayer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveContainerLayerCommand : ContainerCmdlet
{
    /// <summary>Dismounts a container mounted with Mount-ContainerLayer before removing it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        foreach (var (containers, key, input) in ResolveContainers())
        {
            try
            {
                Remove(containers, key);
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, input);
            }
        }
    }

    private void Remove(ContainerStore containers, string key)
    {
        var container = containers.Get(key);
        if (!ShouldProcess($"{container.Name} ({container.ShortId}, {container.Changes} changes)", "Remove container"))
        {
            return;
        }

        var dir = Path.Combine(containers.ContainersDir, container.Id);
        ContainerLock.ThrowIfRunning(dir, container.Name);
        if (ContainerStore.IsMounted(dir))
        {
            if (!Force)
            {
                throw new LayerToolsException(
                    "ContainerMounted",
                    ErrorKind.InvalidOperation,
                    $"Container '{container.Name}' is mounted{(ContainerMounter.MountPointOf(dir) is { } at ? " at '" + at + "'" : string.Empty)}. Dismount it with Dismount-ContainerLayer first, or use -Force to dismount and remove it.",
                    container);
            }

            var target = ContainerMounter.Dismount(containers, container.Id);
            WriteVerbose($"Dismounted {container.Name} from {target}.");
        }

        if (containers.Remove(container.Id, CancellationToken))
        {
            WriteVerbose($"Removed container {container.Name} ({container.ShortId}).");
        }
    }
}
