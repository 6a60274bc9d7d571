using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Union;

/// <summary>
/// The merged view of a stack of layers, computed from their entry indexes (nothing is extracted).
/// Upper layers win; <c>.wh.&lt;name&gt;</c> hides a lower path and everything under it; an opaque
/// directory hides every lower child; a directory over a directory keeps the upper attributes;
/// anything else over a path replaces it (and what was under it).
/// </summary>
internal sealed class UnionView : ILowerView
{
    private readonly Dictionary<string, UnionNode> _nodes = new(StringComparer.Ordinal);

    public UnionView()
    {
        _nodes[string.Empty] = new UnionNode(new LayerEntry { Path = string.Empty, Type = EntryType.Directory, Mode = 0x1ED }, -1, string.Empty);
    }

    private readonly Queue<Func<LayerIndex>> _pending = new();
    private int _applied;

    public int Count => Flushed._nodes.Count;

    /// <summary>Layers in the view, those laid on later (<see cref="ApplyLater"/>) included.</summary>
    public int LayerCount => _applied + _pending.Count;

    /// <summary>This view, with every layer laid on later now applied.</summary>
    private UnionView Flushed
    {
        get
        {
            while (_pending.TryDequeue(out var load))
            {
                ApplyNow(load());
            }

            return this;
        }
    }

    public static UnionView Build(IEnumerable<LayerIndex> layers)
    {
        var view = new UnionView();
        foreach (var layer in layers)
        {
            view.Apply(layer);
        }

        return view;
    }

    /// <summary>Lays one more layer on top.</summary>
    public void Apply(LayerIndex layer) => Flushed.ApplyNow(layer);

    /// <summary>
    /// Lays one more layer on top, its index read only when the view is first asked something: a
    /// build whose steps all hit the cache never reads the indexes of layers nothing looks into.
    /// </summary>
    public void ApplyLater(Func<LayerIndex> load) => _pending.Enqueue(load);

    private void ApplyNow(LayerIndex layer)
    {
        var layerIndex = _applied++;
        foreach (var e in layer.Entries)
        {
            if (e.Type == EntryType.OpaqueWhiteout && _nodes.TryGetValue(e.Path, out var dir) && dir.Entry.Type == EntryType.Directory)
            {
                RemoveChildren(dir);
            }
        }

        foreach (var e in layer.Entries)
        {
            if (e.Type == EntryType.Whiteout)
            {
                Remove(e.Path);
            }
        }

        foreach (var e in layer.Entries)
        {
            if (!e.IsWhiteout)
            {
                Put(e, layerIndex, layer.DiffId);
            }
        }
    }

    public LayerEntry? Lookup(string path) => Flushed._nodes.TryGetValue(path, out var node) ? node.Entry : null;

    public UnionNode? Get(string path) => Flushed._nodes.TryGetValue(path, out var node) ? node : null;

    /// <summary>The children of a directory, by ordinal name; empty for anything else.</summary>
    public IEnumerable<UnionNode> List(string directory)
    {
        if (!Flushed._nodes.TryGetValue(directory, out var node) || node.Children is null)
        {
            yield break;
        }

        foreach (var name in node.Children)
        {
            yield return _nodes[TarPath.Join(directory, name)];
        }
    }

    /// <summary>Every node under <paramref name="directory"/>, depth first, parents before children.</summary>
    public IEnumerable<UnionNode> Walk(string directory)
    {
        foreach (var child in List(directory))
        {
            yield return child;
            if (child.Entry.Type == EntryType.Directory)
            {
                foreach (var below in Walk(child.Entry.Path))
                {
                    yield return below;
                }
            }
        }
    }

    /// <summary>Resolves a path through symbolic links, inside the root.</summary>
    public string Resolve(string path, bool followLast = true) => RootResolver.Resolve(path, Lookup, followLast);

    private void Put(LayerEntry entry, int layerIndex, string diffId)
    {
        if (entry.Path.Length == 0)
        {
            var root = _nodes[string.Empty];
            _nodes[string.Empty] = new UnionNode(entry, layerIndex, diffId) { Children = root.Children };
            return;
        }

        var parent = EnsureDirectory(TarPath.Parent(entry.Path), layerIndex, diffId);
        if (_nodes.TryGetValue(entry.Path, out var existing))
        {
            if (existing.Entry.Type == EntryType.Directory && entry.Type == EntryType.Directory)
            {
                _nodes[entry.Path] = new UnionNode(entry, layerIndex, diffId) { Children = existing.Children };
                return;
            }

            RemoveChildren(existing);
        }

        _nodes[entry.Path] = new UnionNode(entry, layerIndex, diffId);
        (parent.Children ??= new SortedSet<string>(StringComparer.Ordinal)).Add(TarPath.Name(entry.Path));
    }

    private UnionNode EnsureDirectory(string path, int layerIndex, string diffId)
    {
        if (_nodes.TryGetValue(path, out var node))
        {
            if (node.Entry.Type == EntryType.Directory)
            {
                return node;
            }

            // A layer puts something beneath a path a lower layer holds as a non-directory:
            // the path becomes a directory, as extraction would make it.
            RemoveChildren(node);
        }

        var parent = path.Length == 0 ? null : EnsureDirectory(TarPath.Parent(path), layerIndex, diffId);
        var implied = new UnionNode(new LayerEntry { Path = path, Type = EntryType.Directory, Mode = 0x1ED }, layerIndex, diffId);
        _nodes[path] = implied;
        if (parent is not null)
        {
            (parent.Children ??= new SortedSet<string>(StringComparer.Ordinal)).Add(TarPath.Name(path));
        }

        return implied;
    }

    private void Remove(string path)
    {
        if (path.Length == 0 || !_nodes.TryGetValue(path, out var node))
        {
            return;
        }

        RemoveChildren(node);
        _nodes.Remove(path);
        if (_nodes.TryGetValue(TarPath.Parent(path), out var parent))
        {
            parent.Children?.Remove(TarPath.Name(path));
        }
    }

    private void RemoveChildren(UnionNode node)
    {
        if (node.Children is null)
        {
            return;
        }

        foreach (var name in node.Children)
        {
            var childPath = TarPath.Join(node.Entry.Path, name);
            if (_nodes.TryGetValue(childPath, out var child))
            {
                RemoveChildren(child);
                _nodes.Remove(childPath);
            }
        }

        node.Children = null;
    }
}
