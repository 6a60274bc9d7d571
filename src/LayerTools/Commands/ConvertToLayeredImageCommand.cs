using System.Management.Automation;
using LayerTools.Core.Containers;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>
/// Commits a container into a new image, like <c>docker commit</c>: the writable layer becomes one new
/// layer (deletions as OCI whiteouts) on the image's layers, with a config and history extending the
/// image's. A container without changes adds an empty history entry, not an empty layer.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "LayeredImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LayeredImage))]
public sealed class ConvertToLayeredImageCommand : ContainerCmdlet
{
    /// <summary>The new image's name:tag (latest when no tag is given); moves the name from any image that had it.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ImageReferenceCompleter))]
    public string Tag { get; set; } = string.Empty;

    /// <summary>The comment of the new history entry (docker commit -m).</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Message { get; set; }

    /// <summary>The author of the image and of its history entry (docker commit -a).</summary>
    [Parameter]
    [ValidateNotNull]
    public string? Author { get; set; }

    /// <summary>Dockerfile instructions applied to the new image's config (docker commit -c): CMD, ENTRYPOINT, ENV, LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Change { get; set; } = Array.Empty<string>();

    protected override void Process()
    {
        var reference = ImageReference.Parse(Tag);
        var (containers, key) = ResolveContainer();
        var container = containers.Get(key);
        if (!ShouldProcess($"{container.Name} → {reference}", "Commit container"))
        {
            return;
        }

        const int Activity = 4101;
        WriteProgress(new ProgressRecord(Activity, $"Committing container {container.Name}", $"Writing {container.Changes} changes as a layer of {reference}") { PercentComplete = -1 });
        try
        {
            var image = containers.Commit(container.Id, new CommitOptions { Tag = reference, Message = Message, Author = Author, Changes = Change }, CancellationToken);
            WriteVerbose($"Committed {container.Name} as {reference} ({image.ShortId}).");
            WriteObject(image);
        }
        finally
        {
            WriteProgress(new ProgressRecord(Activity, $"Committing container {container.Name}", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
