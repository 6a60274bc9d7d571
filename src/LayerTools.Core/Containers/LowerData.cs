using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// The data of a container's image files: where a file's bytes lie (a hard link followed to its
/// target's data, in its own layer or one below), the stream of them from the layer blob, and the
/// image's hard-link groups that copy-up keeps together. Built lazily, per layer, from the indexes.
/// </summary>
internal sealed class LowerData
{
    private readonly LayerStore _store;
    private readonly IReadOnlyList<LayerIndex> _layers;
    private readonly UnionView _lower;
    private readonly Dictionary<int, Dictionary<string, LayerEntry>> _layerPaths = new();
    private Dictionary<(int Layer, string Path), List<string>>? _groups;

    public LowerData(LayerStore store, IReadOnlyList<LayerIndex> layers, UnionView lower)
    {
        _store = store;
        _layers = layers;
        _lower = lower;
    }

    /// <summary>The data of an image file (hard links followed to their target's data), streamed from its layer blob.</summary>
    public Stream Open(UnionNode node)
    {
        var (layer, entry) = DataOf(node);
        return Open(layer, entry);
    }

    /// <summary>The bytes of <paramref name="entry"/>, a regular file of layer <paramref name="layer"/>.</summary>
    public Stream Open(int layer, LayerEntry entry) => _store.OpenBlobRange(_layers[layer].DiffId, entry.Offset, entry.Size);

    /// <summary>The layer and the file entry that hold a node's data.</summary>
    public (int Layer, LayerEntry Entry) DataOf(UnionNode node)
    {
        if (node.Entry.Type == EntryType.File)
        {
            return (node.LayerIndex, node.Entry);
        }

        var target = node.Entry.LinkTarget;
        var hops = 0;
        for (var layer = node.LayerIndex; layer >= 0 && target is not null;)
        {
            if (!LayerPaths(layer).TryGetValue(target, out var entry))
            {
                layer--;
                continue;
            }

            if (entry.Type == EntryType.File)
            {
                return (layer, entry);
            }

            if (entry.Type != EntryType.HardLink || ++hops > RootResolver.MaxLinkHops)
            {
                break;
            }

            target = entry.LinkTarget;
        }

        throw new LayerToolsException("HardLinkTargetMissing", ErrorKind.InvalidData, $"The data of hard link '{ContainerPaths.Display(node.Entry.Path)}' ('{node.Entry.LinkTarget}') is in none of the image's layers; run Test-LayerStore.", node.Entry.Path);
    }

    /// <summary>The data a node shares with the other names of its hard-link group.</summary>
    public (int Layer, string Path) GroupKey(UnionNode node)
    {
        var (layer, entry) = DataOf(node);
        return (layer, entry.Path);
    }

    /// <summary>The image's hard-link groups: the data each hard link shares, with every visible name of it.</summary>
    public Dictionary<(int Layer, string Path), List<string>> Groups()
    {
        if (_groups is not null)
        {
            return _groups;
        }

        var groups = new Dictionary<(int, string), List<string>>();
        foreach (var node in _lower.Walk(string.Empty))
        {
            if (node.Entry.Type != EntryType.HardLink)
            {
                continue;
            }

            var key = GroupKey(node);
            if (!groups.TryGetValue(key, out var list))
            {
                list = groups[key] = new List<string>();
                if (_lower.Get(key.Item2) is { Entry.Type: EntryType.File } origin && origin.LayerIndex == key.Item1)
                {
                    list.Add(key.Item2);
                }
            }

            list.Add(node.Entry.Path);
        }

        return _groups = groups;
    }

    private Dictionary<string, LayerEntry> LayerPaths(int layer)
    {
        if (!_layerPaths.TryGetValue(layer, out var paths))
        {
            paths = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
            foreach (var e in _layers[layer].Entries)
            {
                if (!e.IsWhiteout)
                {
                    paths[e.Path] = e;
                }
            }

            _layerPaths[layer] = paths;
        }

        return paths;
    }
}
