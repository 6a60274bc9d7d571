using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Analysis;

/// <summary>The file trees Compare-Layer compares, made from what a cmdlet was given: an image, one layer, a host folder, a container.</summary>
internal static class ComparisonTrees
{
    /// <summary>An image: the merged view of its layers.</summary>
    public static IFileTree Image(LayerStore store, StoredImage image)
    {
        var catalog = new ImageCatalog(store);
        var name = image.Reference?.ToString() ?? Digest.Short(catalog.ConfigDigestOf(image));
        return new ImageFileTree(store, catalog.Union(image), name);
    }

    /// <summary>An image as Get-LayeredImage emitted it (found again by its manifest digest and name).</summary>
    public static IFileTree Image(LayerStore store, LayeredImage image)
    {
        var catalog = new ImageCatalog(store);
        var stored = catalog.List().FirstOrDefault(i => i.Manifest.Digest == image.ManifestDigest && i.Reference?.ToString() == image.Reference)
            ?? catalog.Resolve(image.ManifestDigest);
        return Image(store, stored);
    }

    /// <summary>An image named as a user would type it (name:tag, ID, digest).</summary>
    public static IFileTree Image(LayerStore store, string image) => Image(store, new ImageCatalog(store).Resolve(image));

    /// <summary>One layer, by DiffID, with its own entries and whiteouts.</summary>
    public static IFileTree Layer(LayerStore store, string diffId, string? name = null)
    {
        if (!Digest.IsValid(diffId) || !File.Exists(store.LayerIndexPath(diffId)))
        {
            throw new LayerToolsException("LayerNotFound", ErrorKind.ObjectNotFound, $"No layer {diffId} in the store. Get-ImageLayer lists the layers of an image.", diffId);
        }

        var label = name ?? "layer " + Digest.Short(diffId);
        return new LayerFileTree(store, store.ReadLayerIndex(diffId), 0, label);
    }

    /// <summary>One layer as Get-ImageLayer listed it.</summary>
    public static IFileTree Layer(LayerStore store, LayerInfo layer) =>
        Layer(store, layer.DiffId, string.IsNullOrEmpty(layer.Image) ? null : $"layer {layer.Index} of {layer.Image}");

    /// <summary>A directory on the host.</summary>
    public static IFileTree Directory(string path) => new HostFolderTree(path);

    /// <summary>A container's view: its image with the writable layer on top (files it wrote are hashed only when a same-sized file on the other side needs it), called "container NAME".</summary>
    public static IFileTree Container(ContainerStore containers, string nameOrId)
    {
        var record = containers.Get(nameOrId);
        var view = containers.Open(record);
        return new ContainerFileTree(view, "container " + record.Name);
    }
}
