using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Union;

/// <summary>Reads a file's bytes straight from its uncompressed layer blob, by the offset its index records. Nothing is extracted.</summary>
internal static class LayerContent
{
    /// <summary>Opens the data of a regular file (or of the file a hard link names) as the merged view shows it.</summary>
    public static Stream Open(LayerStore store, UnionView view, string path)
    {
        var node = view.Get(path) ?? throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"'/{path}' does not exist in the image.", path);
        return Open(store, node.LayerDiffId, node.Entry, view);
    }

    public static Stream Open(LayerStore store, string layerDiffId, LayerEntry entry, UnionView? view = null)
    {
        if (entry.Type == EntryType.HardLink && entry.LinkTarget is { } target)
        {
            var inLayer = store.ReadLayerIndex(layerDiffId).Entries.LastOrDefault(e => e.Path == target && e.Type is EntryType.File);
            if (inLayer is not null)
            {
                return Open(store, layerDiffId, inLayer);
            }

            var below = view?.Get(target);
            if (below is not null && below.Entry.Type == EntryType.File)
            {
                return Open(store, below.LayerDiffId, below.Entry);
            }

            throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"Hard link '/{entry.Path}' names '/{target}', which is not a file in the image.", entry.Path);
        }

        if (entry.Type != EntryType.File)
        {
            throw new LayerToolsException("NotAFile", ErrorKind.InvalidArgument, $"'/{entry.Path}' is a {entry.Type}, not a file.", entry.Path);
        }

        return store.OpenBlobRange(layerDiffId, entry.Offset, entry.Size);
    }
}
