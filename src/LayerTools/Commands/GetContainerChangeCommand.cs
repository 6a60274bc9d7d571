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
                foreach (var change in containers.Open(key).Changes())
                {
                    WriteObject(Addressed(change, containers.Store.Root));
                }
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, input);
            }
        }
    }

    /// <summary>
    /// The change as it travels down the pipeline: <c>Path</c> is the path on the Container: drive and
    /// <c>LayerPath</c> the path inside the container, so that Get-ContainerChange … | Remove-Item acts
    /// in the container, never on the host file of the same name (PowerShell binds -Path by property name).
    /// </summary>
    private static PSObject Addressed(ContainerChange change, string storeRoot)
    {
        var item = new PSObject(change);
        item.Properties.Add(new PSNoteProperty("LayerPath", change.Path));
        item.Properties.Add(new PSNoteProperty("Path", Provider.DrivePath.ForFile(Provider.DriveKind.Container, storeRoot, change.Container, change.Path)));
        return item;
    }
}
