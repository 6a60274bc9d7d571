using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Files;

/// <summary>
/// The entries of one layer as its tar holds them, whiteouts included (a layer that makes a directory
/// opaque and lists it shows two entries at that path); directories a child implies are shown too.
/// Links are not followed: a single layer is not a root filesystem. The lookup tables are made on the
/// first lookup, so a reader of <see cref="Index"/> alone (the analysis, layer by layer) pays nothing more.
/// </summary>
internal sealed class LayerFileTree : IFileTree
{
    private readonly LayerStore _store;
    private Dictionary<string, List<(LayerEntry Entry, LayerFile File)>>? _entries;
    private Dictionary<string, SortedSet<string>>? _children;

    public LayerFileTree(LayerStore store, LayerIndex layer, int position, string label)
    {
        _store = store;
        Index = layer;
        Position = position;
        Label = label;
    }

    public string Label { get; }

    /// <summary>The layer's entry index: its entries in tar order, a whiteout at the path it hides.</summary>
    public LayerIndex Index { get; }

    /// <summary>The layer's place in its image, 0 for the base.</summary>
    public int Position { get; }

    public LayerFile? Item(string path) => Paths.TryGetValue(path, out var list) ? list[0].File : null;

    /// <summary>True when the path holds a directory, an opaque marker, or children.</summary>
    public bool IsDirectory(string path) =>
        ChildNames.ContainsKey(path) || (Paths.TryGetValue(path, out var list) && list.Any(f => f.Entry.Type is EntryType.Directory or EntryType.OpaqueWhiteout));

    /// <summary>Every entry beneath a directory, by ordinal name; none for a path that is not one.</summary>
    public IReadOnlyList<LayerFile> Children(string path) =>
        ChildNames.TryGetValue(path, out var names)
            ? names.SelectMany(n => Paths[TarPath.Join(path, n)].Select(e => e.File)).ToList()
            : Array.Empty<LayerFile>();

    public string Resolve(string path, bool followLast) => path;

    public Stream OpenRead(string path) => LayerContent.Open(_store, Index.DiffId, Entry(path));

    public string? Digest(string path) => Paths.TryGetValue(path, out var list) ? list[0].Entry.Digest : null;

    private LayerEntry Entry(string path) =>
        Paths.TryGetValue(path, out var list) ? list[0].Entry : throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"'/{path}' is not in {Label}.", path);

    private Dictionary<string, List<(LayerEntry Entry, LayerFile File)>> Paths
    {
        get
        {
            if (_entries is null)
            {
                MakeTables();
            }

            return _entries!;
        }
    }

    private Dictionary<string, SortedSet<string>> ChildNames
    {
        get
        {
            if (_children is null)
            {
                MakeTables();
            }

            return _children!;
        }
    }

    private void MakeTables()
    {
        var entries = new Dictionary<string, List<(LayerEntry Entry, LayerFile File)>>(StringComparer.Ordinal);
        var children = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var e in Index.Entries)
        {
            Add(entries, e, implied: false);
            AddToParent(children, e.Path);
        }

        foreach (var directory in children.Keys.ToList())
        {
            if (!entries.ContainsKey(directory))
            {
                Add(entries, new LayerEntry { Path = directory, Type = EntryType.Directory, Mode = 0x1ED }, implied: true);
            }
        }

        _entries = entries;
        _children = children;
    }

    private void Add(Dictionary<string, List<(LayerEntry Entry, LayerFile File)>> entries, LayerEntry e, bool implied)
    {
        if (!entries.TryGetValue(e.Path, out var list))
        {
            entries[e.Path] = list = new List<(LayerEntry, LayerFile)>();
        }

        list.Add((e, LayerFiles.From(e, Index.DiffId, Position, Label, implied)));
    }

    private static void AddToParent(Dictionary<string, SortedSet<string>> children, string path)
    {
        while (path.Length > 0)
        {
            var parent = TarPath.Parent(path);
            if (!children.TryGetValue(parent, out var names))
            {
                children[parent] = names = new SortedSet<string>(StringComparer.Ordinal);
            }

            if (!names.Add(TarPath.Name(path)))
            {
                return;
            }

            path = parent;
        }
    }
}
