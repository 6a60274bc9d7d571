using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Files;

/// <summary>
/// The entries of one layer as its tar holds them, whiteouts included (a layer that makes a directory
/// opaque and lists it shows two entries at that path); directories a child implies are shown too.
/// Links are not followed: a single layer is not a root filesystem.
/// </summary>
internal sealed class LayerFileTree : IFileTree
{
    private readonly LayerStore _store;
    private readonly LayerIndex _layer;
    private readonly Dictionary<string, List<(LayerEntry Entry, LayerFile File)>> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _children = new(StringComparer.Ordinal);

    public LayerFileTree(LayerStore store, LayerIndex layer, int layerIndex, string label)
    {
        _store = store;
        _layer = layer;
        Label = label;
        foreach (var e in layer.Entries)
        {
            Add(e, layerIndex);
            AddToParent(e.Path);
        }

        foreach (var directory in _children.Keys.ToList())
        {
            if (!_entries.ContainsKey(directory))
            {
                Add(new LayerEntry { Path = directory, Type = EntryType.Directory, Mode = 0x1ED }, layerIndex, implied: true);
            }
        }
    }

    public string Label { get; }

    public LayerFile? Item(string path) => _entries.TryGetValue(path, out var list) ? list[0].File : null;

    /// <summary>True when the path holds a directory, an opaque marker, or children.</summary>
    public bool IsDirectory(string path) =>
        _children.ContainsKey(path) || (_entries.TryGetValue(path, out var list) && list.Any(f => f.Entry.Type is EntryType.Directory or EntryType.OpaqueWhiteout));

    /// <summary>Every entry beneath a directory, by ordinal name; none for a path that is not one.</summary>
    public IReadOnlyList<LayerFile> Children(string path) =>
        _children.TryGetValue(path, out var names)
            ? names.SelectMany(n => _entries[TarPath.Join(path, n)].Select(e => e.File)).ToList()
            : Array.Empty<LayerFile>();

    public string Resolve(string path, bool followLast) => path;

    public Stream OpenRead(string path)
    {
        var entry = _entries.TryGetValue(path, out var list) ? list[0].Entry : throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"'/{path}' is not in {Label}.", path);
        return LayerContent.Open(_store, _layer.DiffId, entry);
    }

    private void Add(LayerEntry e, int layerIndex, bool implied = false)
    {
        if (!_entries.TryGetValue(e.Path, out var list))
        {
            _entries[e.Path] = list = new List<(LayerEntry, LayerFile)>();
        }

        list.Add((e, LayerFiles.From(e, _layer.DiffId, layerIndex, Label, implied)));
    }

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
