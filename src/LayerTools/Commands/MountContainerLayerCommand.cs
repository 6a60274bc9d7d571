using System.Management.Automation;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>
/// Mounts a container as a real overlayfs at a folder (Linux, root): the image's layers read-only
/// below, the container's writable layer on top. Any program can work there; what it changes is the
/// container's change. Dismount-ContainerLayer unmounts it.
/// </summary>
[Cmdlet(VerbsData.Mount, "ContainerLayer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ContainerLayer))]
public sealed class MountContainerLayerCommand : ContainerCmdlet
{
    /// <summary>The folder to mount at; created when missing. Its own content is hidden while mounted.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>Writes the mounted container.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var (containers, key) = ResolveContainer();
        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!ShouldProcess($"{key} at {target}", "Mount container"))
        {
            return;
        }

        if (OperatingSystem.IsLinux() && !Directory.Exists(target))
        {
            Directory.CreateDirectory(target);
        }

        var container = ContainerMounter.Mount(containers, key, target, CancellationToken);
        WriteVerbose($"Mounted container {container.Name} at {target}.");
        if (PassThru)
        {
            WriteObject(container);
        }
    }
}
