using System.Management.Automation;
using LayerTools.Core.Maintenance;
using LayerTools.Formatting;

namespace LayerTools.Commands;

/// <summary>Deletes the blobs and layer indexes that no image references, like <c>docker image prune</c>.</summary>
[Cmdlet(VerbsCommon.Optimize, "LayerStore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(CollectResult))]
public sealed class OptimizeLayerStoreCommand : StoreCmdlet
{
    /// <summary>Also removes untagged images that no container uses (what rebuilds leave behind), like docker image prune.</summary>
    [Parameter]
    public SwitchParameter Dangling { get; set; }

    protected override void End()
    {
        var store = Store();
        var preview = StoreMaintenance.Collect(store, whatIf: true, Dangling, CancellationToken);
        var images = preview.ImageCount == 0 ? string.Empty : $"{preview.ImageCount} untagged {(preview.ImageCount == 1 ? "image" : "images")} and ";
        var description = $"Remove {images}{preview.BlobCount} unreferenced {(preview.BlobCount == 1 ? "blob" : "blobs")}, freeing {DisplayText.Size(preview.BytesFreed)} ({preview.BytesFreed} bytes)"
            + (preview.Tightened.Count == 0 ? string.Empty : $", and close {preview.Tightened.Count} files and folders other users can reach");
        if (!ShouldProcess(store.Root, description))
        {
            return;
        }

        var result = StoreMaintenance.Collect(store, whatIf: false, Dangling, CancellationToken);
        WriteVerbose($"Removed {result.BlobCount} blobs, {result.BytesFreed} bytes; closed {result.Tightened.Count} files and folders.");
        WriteObject(result);
    }
}
