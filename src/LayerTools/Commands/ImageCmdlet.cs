using System.Management.Automation;
using LayerTools.Completion;

namespace LayerTools.Commands;

/// <summary>
/// A cmdlet that works on one image at a time. <c>-Image</c> takes a LayeredImage (from the
/// pipeline, in the store it came from), a string (name[:tag], a digest or a unique ID prefix), or
/// any object with a Reference, Image or Id property (HistoryEntry, LayerInfo, LayerFile, …); see
/// <see cref="StoreCmdlet.Resolve(object)"/>.
/// </summary>
public abstract class ImageCmdlet : StoreCmdlet
{
    /// <summary>The image: a LayeredImage, or name[:tag], an image ID, a manifest digest, or a unique ID prefix.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Reference", "Id")]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public object Image { get; set; } = null!;

    /// <summary>Finds <see cref="Image"/> in its store; throws ImageNotFound (or AmbiguousImageId) when it is not there.</summary>
    internal ResolvedImage ResolveImage() => Resolve(Image);
}
