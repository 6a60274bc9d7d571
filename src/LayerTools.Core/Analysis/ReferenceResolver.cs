using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Analysis;

/// <summary>
/// Finds what a text names in a store when it may be an image, a layer or a container: an image by its
/// name, else a container by its name or full ID, else a layer whose DiffID it is or begins or an image
/// whose ID it is or begins (by the one <see cref="HexPrefix"/> rule). A prefix that could be both, or
/// several layers, is an error, never a guess.
/// </summary>
internal sealed class ReferenceResolver
{
    private readonly LayerStore _store;
    private readonly ImageCatalog _catalog;

    public ReferenceResolver(LayerStore store, ImageCatalog catalog)
    {
        _store = store;
        _catalog = catalog;
    }

    /// <summary>True when the text has the form of an image reference or a digest (so a host file of that name does not shadow it).</summary>
    public static bool LooksLikeImageOrLayer(string text) => ImageReference.TryParse(text.Trim(), out _) || Digest.IsValid(text.Trim());

    /// <summary>Resolves <paramref name="text"/>; <paramref name="target"/> is what errors name as the offending input.</summary>
    public StoreReference Resolve(string text, object? target)
    {
        var layers = LayersBeginning(text);
        StoredImage? stored = null;
        LayerToolsException? imageError = null;
        try
        {
            stored = _catalog.Resolve(text);
        }
        catch (LayerToolsException ex)
        {
            imageError = ex;
        }

        var byName = stored?.Reference is not null
            && ImageReference.TryParse(text.Trim(), out var parsed)
            && parsed!.ToString() == stored.Reference.ToString();
        if (stored is not null && byName)
        {
            return StoreReference.ForImage(stored);
        }

        // A container's own name or full ID is not a prefix: it wins over the prefixes below.
        if (new ContainerStore(_store).HasNameOrId(text))
        {
            return StoreReference.ForContainer(text);
        }

        if (stored is not null && layers.Count == 0)
        {
            return StoreReference.ForImage(stored);
        }

        if (layers.Count > 1)
        {
            throw new LayerToolsException("AmbiguousLayer", ErrorKind.InvalidArgument, $"'{text}' begins the DiffID of {layers.Count} layers in the store '{_store.Root}'; give more of the DiffID.", target);
        }

        if (layers.Count == 1 && stored is not null)
        {
            throw new LayerToolsException(
                "AmbiguousLayerOrImage",
                ErrorKind.InvalidArgument,
                $"'{text}' begins both the DiffID of layer {layers[0]} and the ID of image {stored.Reference?.ToString() ?? _catalog.ConfigDigestOf(stored)}; give more hex digits, or pass the LayerInfo or LayeredImage object.",
                target);
        }

        if (layers.Count == 1)
        {
            return StoreReference.ForLayer(layers[0]);
        }

        if (imageError is { ErrorId: "AmbiguousImageId" })
        {
            throw imageError;
        }

        throw new LayerToolsException(
            "ComparisonSideNotFound",
            ErrorKind.ObjectNotFound,
            $"'{text}' is not a directory, nor a layer, an image or a container in the store '{_store.Root}'. Give a folder path, a DiffID from Get-ImageLayer, an image from Get-LayeredImage, or a container from Get-ContainerLayer.",
            target);
    }

    /// <summary>The DiffIDs of the store's layers that <paramref name="text"/> is, or begins.</summary>
    public IReadOnlyList<string> LayersBeginning(string text)
    {
        if (!HexPrefix.TryParse(text, out var hex) || !Directory.Exists(_store.IndexesDir))
        {
            return Array.Empty<string>();
        }

        return Directory.EnumerateFiles(_store.IndexesDir, hex + "*.json")
            .Select(f => Digest.Sha256Prefix + Path.GetFileNameWithoutExtension(f))
            .Where(Digest.IsValid)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }
}
