using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// The read side of a container: lookups go to the upper directory's index first, then to the image's
/// union view (both dictionaries: the cost does not depend on the number of layers); a whiteout or an
/// opaque directory hides what is below. Symbolic links are followed logically inside the container's
/// root, never by the host. Reading never copies anything up.
/// </summary>
internal sealed class ContainerReader
{
    private readonly ContainerView _view;

    public ContainerReader(ContainerView view) => _view = view;

    private UpperIndex Upper => _view.Upper;

    private WhiteoutRecord Whiteouts => _view.Whiteouts;

    private UnionView Lower => _view.Lower;

    /// <summary>What the container shows at a clean path (no link followed), or null.</summary>
    public UnionNode? Node(string path)
    {
        if (Upper.TypeOf(path) is not null)
        {
            return UpperNode(path);
        }

        return LowerVisible(path) ? Lower.Get(path) : null;
    }

    public LayerEntry? Lookup(string path) => Node(path)?.Entry;

    /// <summary>Cleans a path as a user typed it and resolves it inside the root; the last component is followed when <paramref name="followLast"/>.</summary>
    public string Resolve(string path, bool followLast)
    {
        var clean = ContainerPaths.Clean(path);
        return followLast || TarPath.Name(clean) == ".."
            ? RootResolver.Resolve(clean, Lookup, followLast: true)
            : RootResolver.ResolveParent(clean, Lookup);
    }

    /// <summary>
    /// What the container shows at a path (a final link itself unless <paramref name="followLinks"/>), or null.
    /// Files of the image carry their content digest from the index; files of the writable layer are
    /// hashed only when <paramref name="withDigest"/> asks for it.
    /// </summary>
    public LayerFile? Stat(string path, bool followLinks = false, bool withDigest = false)
    {
        var resolved = Resolve(path, followLinks);
        var node = Node(resolved);
        if (node is null)
        {
            return null;
        }

        if (withDigest && node.LayerIndex == _view.UpperLayerIndex && node.Entry.Type is EntryType.File or EntryType.HardLink)
        {
            using var content = _view.UpperFiles.OpenRead(resolved);
            node.Entry.Digest = Digests.Digest.Of(content);
        }

        return ToLayerFile(node);
    }

    /// <summary>The children of a directory (links followed to it), by ordinal name.</summary>
    public IReadOnlyList<LayerFile> List(string path)
    {
        var dir = Resolve(path, followLast: true);
        var node = Node(dir) ?? throw _view.NotFound(path);
        if (node.Entry.Type != EntryType.Directory)
        {
            throw new LayerToolsException("NotADirectory", ErrorKind.InvalidArgument, $"'{ContainerPaths.Display(dir)}' in container '{_view.Name}' is not a directory.", path);
        }

        return ChildNames(dir).Select(n => ToLayerFile(Node(TarPath.Join(dir, n))!)).ToList();
    }

    /// <summary>Every path beneath a directory, parents before children, in tar order.</summary>
    public IEnumerable<LayerFile> Walk(string path)
    {
        foreach (var child in List(path))
        {
            yield return child;
            if (child.Type == EntryType.Directory)
            {
                foreach (var below in Walk(child.Path))
                {
                    yield return below;
                }
            }
        }
    }

    /// <summary>Opens a file for reading (links followed): from <c>upper/</c>, or streamed from the layer blob by offset.</summary>
    public Stream OpenRead(string path)
    {
        var resolved = Resolve(path, followLast: true);
        var node = Node(resolved) ?? throw _view.NotFound(path);
        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException("NotAFile", ErrorKind.InvalidArgument, $"'{ContainerPaths.Display(resolved)}' in container '{_view.Name}' is a {node.Entry.Type}, not a file.", path);
        }

        return OpenNode(resolved, node);
    }

    /// <summary>The data of a file node at a clean path: from <c>upper/</c> or from its layer blob.</summary>
    public Stream OpenNode(string resolved, UnionNode node) =>
        node.LayerIndex == _view.UpperLayerIndex ? _view.UpperFiles.OpenRead(resolved) : _view.LowerData.Open(node);

    /// <summary>The uid and gid of an upper path: from the record when kept there, else from the host.</summary>
    public (int Uid, int Gid) OwnerOf(string path, HostStat stat) =>
        Whiteouts.Owners.TryGetValue(path, out var owner) && owner.Length == 2 ? (owner[0], owner[1]) : (stat.Uid, stat.Gid);

    /// <summary>The entry a file from the writable layer shows: its host metadata, and for the later names of a hard-link group, a link to the first.</summary>
    public UnionNode? UpperNode(string path)
    {
        using var host = _view.UpperFiles.Checked(path, null);
        var stat = host.LStat();
        if (stat is not { } st)
        {
            return null;
        }

        if (Upper.TypeOf(path) is { } indexed && indexed != st.Type)
        {
            // upper/ changed behind this view (a link where a directory was): never look through it.
            throw _view.UpperFiles.Unsafe(path);
        }

        var (uid, gid) = OwnerOf(path, st);
        var entry = new LayerEntry
        {
            Path = path,
            Type = st.Type,
            Mode = st.Mode,
            Uid = uid,
            Gid = gid,
            Size = st.Size,
            ModifiedTime = st.ModifiedTime,
            DevMajor = st.DevMajor,
            DevMinor = st.DevMinor,
        };
        if (st.Type == EntryType.SymbolicLink)
        {
            entry.LinkTarget = new FileInfo(host.Host).LinkTarget;
        }
        else if (st.Type == EntryType.File && Upper.GroupOf(path) is { } group && group.Min != path)
        {
            entry.Type = EntryType.HardLink;
            entry.LinkTarget = group.Min;
        }

        return new UnionNode(entry, _view.UpperLayerIndex, string.Empty);
    }

    /// <summary>True when the image's entry at <paramref name="path"/> is not hidden by the container (a whiteout, an opaque or replaced parent).</summary>
    public bool LowerVisible(string path)
    {
        if (path.Length == 0)
        {
            return true;
        }

        if (Whiteouts.Deleted.Contains(path))
        {
            return false;
        }

        return LowerVisibleIgnoringUpper(path);
    }

    /// <summary>True when the image has an entry at <paramref name="path"/> that no whiteout, opaque directory or replaced parent hides (an upper entry at the path itself does not count).</summary>
    public bool LowerVisibleIgnoringUpper(string path)
    {
        if (path.Length == 0)
        {
            return true;
        }

        if (Whiteouts.Deleted.Contains(path) || Lower.Get(path) is null)
        {
            return false;
        }

        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            var ancestor = path[..slash];
            if (Whiteouts.Deleted.Contains(ancestor) || Whiteouts.Opaque.Contains(ancestor))
            {
                return false;
            }

            if (Upper.TypeOf(ancestor) is { } type && type != EntryType.Directory)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the image shows entries beneath the directory at <paramref name="path"/>.</summary>
    public bool HasLowerBeneath(string path) => Lower.Get(path) is { Entry.Type: EntryType.Directory } && LowerVisibleIgnoringUpper(path) && Lower.List(path).Any();

    /// <summary>The names the container shows in a directory (clean path, no link followed), by ordinal name.</summary>
    public IEnumerable<string> ChildNames(string dir)
    {
        var names = new SortedSet<string>(Upper.Children(dir), StringComparer.Ordinal);
        if (LowerVisible(dir) && !Whiteouts.Opaque.Contains(dir) && Upper.TypeOf(dir) is null or EntryType.Directory && Lower.Get(dir) is { Entry.Type: EntryType.Directory })
        {
            foreach (var child in Lower.List(dir))
            {
                if (!Whiteouts.Deleted.Contains(child.Entry.Path))
                {
                    names.Add(TarPath.Name(child.Entry.Path));
                }
            }
        }

        return names;
    }

    private LayerFile ToLayerFile(UnionNode node)
    {
        var e = node.Entry;
        return new LayerFile
        {
            Path = ContainerPaths.Display(e.Path),
            Type = e.Type,
            Size = e.Size,
            Mode = e.Mode,
            Uid = e.Uid,
            Gid = e.Gid,
            ModifiedTime = DateTimeOffset.FromUnixTimeSeconds(e.ModifiedTime),
            LinkTarget = e.LinkTarget,
            Digest = e.Digest,
            LayerDiffId = node.LayerDiffId,
            LayerIndex = node.LayerIndex,
            Image = _view.Name,
        };
    }
}
