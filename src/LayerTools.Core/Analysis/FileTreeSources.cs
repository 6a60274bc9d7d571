using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Analysis;

/// <summary>Makes the sides of a comparison from what a cmdlet was given.</summary>
internal static class FileTreeSources
{
    /// <summary>An image: the merged view of its layers.</summary>
    public static IFileTreeSource Image(LayerStore store, StoredImage image)
    {
        var catalog = new ImageCatalog(store);
        var name = image.Reference?.ToString() ?? Digest.Short(catalog.ConfigDigestOf(image));
        return LayerFileTreeSource.Of(new ImageFileTree(store, catalog.Union(image), name), name, hashMissing: false);
    }

    /// <summary>An image as Get-LayeredImage emitted it (found again by its manifest digest and name).</summary>
    public static IFileTreeSource Image(LayerStore store, LayeredImage image)
    {
        var catalog = new ImageCatalog(store);
        var stored = catalog.List().FirstOrDefault(i => i.Manifest.Digest == image.ManifestDigest && i.Reference?.ToString() == image.Reference)
            ?? catalog.Resolve(image.ManifestDigest);
        return Image(store, stored);
    }

    /// <summary>An image named as a user would type it (name:tag, ID, digest).</summary>
    public static IFileTreeSource Image(LayerStore store, string image) => Image(store, new ImageCatalog(store).Resolve(image));

    /// <summary>One layer, by DiffID, with its own entries and whiteouts.</summary>
    public static IFileTreeSource Layer(LayerStore store, string diffId, string? name = null)
    {
        if (!Digest.IsValid(diffId) || !File.Exists(store.LayerIndexPath(diffId)))
        {
            throw new LayerToolsException("LayerNotFound", ErrorKind.ObjectNotFound, $"No layer {diffId} in the store. Get-ImageLayer lists the layers of an image.", diffId);
        }

        var label = name ?? "layer " + Digest.Short(diffId);
        return LayerFileTreeSource.Of(new LayerFileTree(store, store.ReadLayerIndex(diffId), 0, label), label, hashMissing: false);
    }

    /// <summary>One layer as Get-ImageLayer listed it.</summary>
    public static IFileTreeSource Layer(LayerStore store, LayerInfo layer) =>
        Layer(store, layer.DiffId, string.IsNullOrEmpty(layer.Image) ? null : $"layer {layer.Index} of {layer.Image}");

    /// <summary>A directory on the host; with <paramref name="mountAt"/> ("/app") it stands for that directory of the other side.</summary>
    public static IFileTreeSource Directory(string path, string? mountAt = null)
    {
        var tree = new HostFolderTree(path);
        return string.IsNullOrEmpty(mountAt)
            ? LayerFileTreeSource.Of(tree, tree.Root, hashMissing: true)
            : LayerFileTreeSource.Mounted(tree, tree.Root, mountAt, hashMissing: true);
    }

    /// <summary>A container's view: its image with the writable layer on top (files it wrote are hashed only when a same-sized file on the other side needs it).</summary>
    public static IFileTreeSource Container(ContainerStore containers, string nameOrId)
    {
        var record = containers.Get(nameOrId);
        var view = containers.Open(record);
        return LayerFileTreeSource.Of(new ContainerFileTree(view), "container " + record.Name, hashMissing: true);
    }
}
