using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Files;

/// <summary>The entries of one layer as its tar holds them, whiteouts included; directories a child implies are shown too.</summary>
internal sealed class SingleLayerFileTree : IFileTree
{
    private readonly Dictionary<string, List<LayerFile>> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _children = new(StringComparer.Ordinal);

    public SingleLayerFileTree(LayerIndex layer, int layerIndex, string image)
    {
        foreach (var e in layer.Entries)
        {
            if (!_entries.TryGetValue(e.Path, out var list))
            {
                _entries[e.Path] = list = new List<LayerFile>();
            }

            list.Add(LayerFiles.From(e, layer.DiffId, layerIndex, image));
            AddToParent(e.Path);
        }

        foreach (var directory in _children.Keys.ToList())
        {
            if (!_entries.ContainsKey(directory))
            {
                var implied = new LayerEntry { Path = directory, Type = EntryType.Directory, Mode = 0x1ED };
                _entries[directory] = new List<LayerFile> { LayerFiles.From(implied, layer.DiffId, layerIndex, image) };
            }
        }
    }

    public IReadOnlyList<LayerFile> At(string path) => _entries.TryGetValue(path, out var list) ? list : Array.Empty<LayerFile>();

    public bool IsDirectory(string path) =>
        _children.ContainsKey(path) || (_entries.TryGetValue(path, out var list) && list.Any(f => f.Type is EntryType.Directory or EntryType.OpaqueWhiteout));

    public IEnumerable<string> Children(string directory) =>
        _children.TryGetValue(directory, out var names) ? names : Enumerable.Empty<string>();

    public string ResolveParent(string path) => path;

    public string Resolve(string path) => path;

    private void AddToParent(string path)
    {
        while (path.Length > 0)
        {
            var parent = TarPath.Parent(path);
            if (!_children.TryGetValue(parent, out var names))
            {
                _children[parent] = names = new SortedSet<string>(StringComparer.Ordinal);
            }

            if (!names.Add(TarPath.Name(path)))
            {
                return;
            }

            path = parent;
        }
    }
}
