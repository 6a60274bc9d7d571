using System.Management.Automation;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Gives an image more names, like <c>docker tag</c>. A name another image had moves to this one.</summary>
[Cmdlet(VerbsCommon.Add, "LayeredImageTag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LayeredImage))]
public sealed class AddLayeredImageTagCommand : ImageCmdlet
{
    /// <summary>The new names, name[:tag] (the tag defaults to latest).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Writes the image under each new name to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var references = Tag.Select(ImageReference.Parse).ToList();
        var image = ResolveImage();
        foreach (var reference in references)
        {
            if (!ShouldProcess(image.Label, $"Tag as {reference}"))
            {
                continue;
            }

            var tagged = image.Catalog.Tag(image.Stored.Manifest, reference);
            WriteVerbose($"Tagged {image.Label} as {reference}.");
            if (PassThru)
            {
                WriteObject(image.Catalog.Load(tagged));
            }
        }
    }
}
