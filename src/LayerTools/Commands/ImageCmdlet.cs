using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>
/// A cmdlet that works on one image at a time. <c>-Image</c> takes a LayeredImage (from the
/// pipeline, in the store it came from), a string (name[:tag], a digest or a unique ID prefix), or
/// any object with a Reference, Image or Id property (HistoryEntry, LayerInfo, LayerFile, …).
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

    internal ResolvedImage Resolve(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case LayeredImage image:
                return FromObject(image);
            case string text:
                return FromText(text, null, input);
            default:
                var (name, storePath) = NameOf(input is PSObject p ? p : PSObject.AsPSObject(value));
                if (name is null)
                {
                    throw new LayerToolsException(
                        "InvalidImageArgument",
                        ErrorKind.InvalidArgument,
                        $"A {value.GetType().Name} does not name an image; give a LayeredImage, a name:tag, an image ID or a digest.",
                        value);
                }

                return FromText(name, storePath, input);
        }
    }

    private ResolvedImage FromObject(LayeredImage image)
    {
        var catalog = Catalog(image.StorePath);
        var entries = catalog.List().Where(i => i.Manifest.Digest == image.ManifestDigest).ToList();
        var stored = entries.FirstOrDefault(i => i.Reference?.ToString() == image.Reference)
            ?? (image.Reference is null ? null : entries.FirstOrDefault());
        if (stored is null && image.Reference is null)
        {
            stored = entries.FirstOrDefault();
        }

        if (stored is null)
        {
            throw new LayerToolsException(
                "ImageNotFound",
                ErrorKind.ObjectNotFound,
                $"The image {image} ({Digest.Short(image.Id)}) is no longer in the store '{catalog.Store.Root}'. Get-LayeredImage lists the images there.",
                image);
        }

        return new ResolvedImage(catalog.Store, catalog, stored, ByTag: image.Reference is not null, image);
    }

    private ResolvedImage FromText(string text, string? storePath, object input)
    {
        var catalog = Catalog(storePath);
        var stored = catalog.Resolve(text);
        var byTag = stored.Reference is not null
            && ImageReference.TryParse(text.Trim(), out var parsed)
            && parsed!.ToString() == stored.Reference.ToString();
        return new ResolvedImage(catalog.Store, catalog, stored, byTag, input);
    }

    private static (string? Name, string? StorePath) NameOf(PSObject obj)
    {
        string? Text(string property) => obj.Properties[property]?.Value is { } v && v.ToString() is { Length: > 0 } s ? s : null;
        var name = Text("Reference") ?? Text("Image") ?? Text("Id");
        return (name, Text("StorePath"));
    }
}
