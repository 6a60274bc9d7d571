using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>
/// Removes a name from an image, like <c>docker rmi</c>: given name:tag, that tag goes; given an ID,
/// the image goes if it has one name (or none), and every name goes with -Force. The layers stay
/// until Optimize-LayerStore collects what nothing uses. What it will do (-WhatIf, -Confirm) and did
/// (the output, -Verbose) is said in Docker's words: <c>Untagged: app:2</c>, <c>Deleted: sha256:…</c>.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "LayeredImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ImageDeletion))]
public sealed class RemoveLayeredImageCommand : ImageCmdlet
{
    /// <summary>Removes every name of an image given by ID, and the last name of an image containers use.</summary>
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

        // As docker rmi: the last name of an image a container stands on is refused unless -Force
        // (the container keeps working: its image's blobs stay until the container is removed).
        var remaining = image.Catalog.EntriesOf(image.Stored).Count - entries.Length;
        if (remaining <= 0)
        {
            var imageId = image.Catalog.ConfigDigestOf(image.Stored);
            var users = new ContainerStore(image.Store).UsersOf(imageId);
            if (users.Count > 0)
            {
                if (!Force)
                {
                    throw new LayerToolsException(
                        "ImageInUse",
                        ErrorKind.InvalidOperation,
                        $"Image {image.Label} ({Digest.Short(imageId)}) is used by {users.Count} container(s): {string.Join(", ", users.Select(u => u.Name))}. Remove them with Remove-ContainerLayer first, or use -Force to untag the image anyway.",
                        Image);
                }

                WriteWarning($"Image {image.Label} is still used by container(s) {string.Join(", ", users.Select(u => u.Name))}; its layers stay until they are removed.");
            }
        }

        var left = image.Catalog.EntriesOf(image.Stored).Count;
        foreach (var entry in entries)
        {
            var imageId = image.Catalog.ConfigDigestOf(entry);
            var lines = new List<ImageDeletion>();
            if (entry.Reference is not null)
            {
                lines.Add(ImageDeletion.Untag(entry.Reference.ToString(), image.Store.Root));
            }

            if (left == 1)
            {
                lines.Add(ImageDeletion.Delete(imageId, image.Store.Root));
            }

            var said = string.Join(Environment.NewLine, lines);
            if (!ShouldProcess(said.Replace(Environment.NewLine, ", ", StringComparison.Ordinal), said + Environment.NewLine + "Remove this?", "Remove-LayeredImage"))
            {
                continue;
            }

            if (image.Catalog.Untag(entry))
            {
                left--;
                // ShouldProcess has said the same lines to -Verbose.
                WriteObject(lines, enumerateCollection: true);
            }
        }
    }
}
