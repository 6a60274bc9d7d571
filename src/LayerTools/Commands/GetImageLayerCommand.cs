using System.Management.Automation;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Lists the layers of an image, base first.</summary>
[Cmdlet(VerbsCommon.Get, "ImageLayer")]
[OutputType(typeof(LayerInfo))]
public sealed class GetImageLayerCommand : ImageCmdlet, IRegistryParameters
{
    /// <summary>
    /// Fetches the image's remote layers (still only in their registry) first, so that every layer's
    /// size and file counts are known; without it a remote layer is described from the manifest alone.
    /// </summary>
    [Parameter]
    public SwitchParameter Fetch { get; set; }

    /// <summary>The user and password (or token) for the registries this command reaches (fetching the remote layers with -Fetch); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    protected override void Process()
    {
        var image = ResolveImage();
        foreach (var layer in image.Catalog.Layers(image.Stored, Fetch))
        {
            WriteObject(layer);
        }
    }
}
