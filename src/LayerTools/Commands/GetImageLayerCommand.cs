using System.Management.Automation;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Lists the layers of an image, base first.</summary>
[Cmdlet(VerbsCommon.Get, "ImageLayer")]
[OutputType(typeof(LayerInfo))]
public sealed class GetImageLayerCommand : ImageCmdlet
{
    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    protected override void Process()
    {
        var image = ResolveImage();
        foreach (var layer in image.Catalog.Layers(image.Stored))
        {
            WriteObject(layer);
        }
    }
}
