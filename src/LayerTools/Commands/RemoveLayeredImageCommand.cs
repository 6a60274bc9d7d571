using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Digests;

namespace LayerTools.Commands;

/// <summary>
/// Removes a name from an image, like <c>docker rmi</c>: given name:tag, that tag goes; given an ID,
/// the image goes if it has one name (or none), and every name goes with -Force. The layers stay
/// until Optimize-LayerStore collects what nothing uses.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "LayeredImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveLayeredImageCommand : ImageCmdlet
{
    /// <summary>Removes every name of an image given by ID.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void Process()
    {
        var image = ResolveImage();
        var entries = image.ByTag
            ? new[] { image.Stored }
            : image.Catalog.EntriesOf(image.Stored).ToArray();
        var tags = entries.Where(e => e.Reference is not null).Select(e => e.Reference!.ToString()).ToList();
        if (!image.ByTag && tags.Count > 1 && !Force)
        {
            throw new LayerToolsException(
                "ImageHasMultipleTags",
                ErrorKind.InvalidOperation,
                $"Image {Digest.Short(image.Catalog.ConfigDigestOf(image.Stored))} has {tags.Count} tags ({string.Join(", ", tags)}). Remove them by name, or use -Force to remove them all.",
                Image);
        }

        foreach (var entry in entries)
        {
            var label = entry.Reference?.ToString() ?? Digest.Short(image.Catalog.ConfigDigestOf(entry));
            if (!ShouldProcess(label, entry.Reference is null ? "Remove untagged image" : "Untag"))
            {
                continue;
            }

            if (image.Catalog.Untag(entry))
            {
                WriteVerbose(entry.Reference is null ? $"Deleted: {label}" : $"Untagged: {label}");
            }
        }
    }
}
