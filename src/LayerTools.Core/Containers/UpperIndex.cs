using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The in-memory index of a container's <c>upper/</c> directory: which paths it holds, their types,
/// the children of each directory, and which files share an inode (hard-link groups). Built once by
/// one walk of the directory (never following a symbolic link), then kept up to date by every write.
/// </summary>
internal sealed class UpperIndex
{
    private readonly string _root;
    private readonly Dictionary<string, EntryType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<string>> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<(long, long), SortedSet<string>> _groups = new();
    private readonly Dictionary<string, (long, long)> _fileIds = new(StringComparer.Ordinal);

    public UpperIndex(string root)
    {
        _root = root;
        _children[string.Empty] = new SortedSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Overlay-style whiteouts (character devices 0/0) found in the directory: paths deleted by a program that ran in the mounted container.</summary>
    public HashSet<string> OverlayWhiteouts { get; } = new(StringComparer.Ordinal);

    /// <summary>Directories overlayfs marked opaque (xattr <c>trusted.overlay.opaque</c> or <c>user.overlay.opaque</c> = y).</summary>
    public HashSet<string> OverlayOpaque { get; } = new(StringComparer.Ordinal);

    public int Count => _types.Count;

    public IEnumerable<string> Paths => _types.Keys;

    public static UpperIndex Load(string root)
    {
        var index = new UpperIndex(root);
        index.LoadBeneath(string.Empty);
        return index;
    }

    /// <summary>The host path of a container path (no check; see <see cref="UpperFiles"/> for the safe forms).</summary>
    public string HostPath(string path) => path.Length == 0 ? _root : Path.Combine(_root, path.Replace('/', Path.DirectorySeparatorChar));

    public bool Contains(string path) => _types.ContainsKey(path);

    public EntryType? TypeOf(string path) => _types.TryGetValue(path, out var t) ? t : null;

    public IEnumerable<string> Children(string directory) =>
        _children.TryGetValue(directory, out var names) ? names : Enumerable.Empty<string>();

    /// <summary>The members of the path's hard-link group, in tar order, or null when the file has no other name here.</summary>
    public SortedSet<string>? GroupOf(string path) =>
        _fileIds.TryGetValue(path, out var id) && _groups.TryGetValue(id, out var group) && group.Count > 1 ? group : null;

    public void Add(string path, HostStat stat)
    {
        if (path.Length == 0)
        {
            return;
        }

        RemoveFromGroup(path);
        _types[path] = stat.Type;
        var parent = TarPath.Parent(path);
        if (!_children.TryGetValue(parent, out var siblings))
        {
            siblings = _children[parent] = new SortedSet<string>(StringComparer.Ordinal);
        }

        siblings.Add(TarPath.Name(path));
        if (stat.Type == EntryType.Directory)
        {
            _children.TryAdd(path, new SortedSet<string>(StringComparer.Ordinal));
        }
        else if (stat.Type == EntryType.File && stat.Inode != 0)
        {
            _fileIds[path] = stat.FileId;
            if (!_groups.TryGetValue(stat.FileId, out var group))
            {
                group = _groups[stat.FileId] = new SortedSet<string>(TreeOrder.Instance);
            }

            group.Add(path);
        }
    }

    /// <summary>Forgets a path and everything beneath it.</summary>
    public void RemoveTree(string path)
    {
        if (_children.TryGetValue(path, out var names))
        {
            foreach (var name in names.ToList())
            {
                RemoveTree(TarPath.Join(path, name));
            }

            if (path.Length != 0)
            {
                _children.Remove(path);
            }
        }

        if (path.Length == 0)
        {
            return;
        }

        RemoveFromGroup(path);
        _types.Remove(path);
        OverlayWhiteouts.Remove(path);
        OverlayOpaque.Remove(path);
        if (_children.TryGetValue(TarPath.Parent(path), out var siblings))
        {
            siblings.Remove(TarPath.Name(path));
        }
    }

    /// <summary>Walks the host directory under <paramref name="path"/> and indexes what it holds.</summary>
    public void LoadBeneath(string path)
    {
        if (!HostFile.IsNative)
        {
            LoadBeneath(path, HostPath(path), Directory.EnumerateFileSystemEntries(HostPath(path)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList());
            return;
        }

        // By descriptor, no link anywhere on the way: a program in the mounted container may swap a
        // directory for a link to a host folder, whose names must never become the container's.
        using var root = SafeRoot.Open(_root);
        var fd = root.TryOpenBeneath(path, LinuxNative.ORdOnly | LinuxNative.ODirectory);
        if (fd < 0)
        {
            return;
        }

        try
        {
            LoadBeneath(path, SafeRoot.ProcFd(fd), SafeRoot.ListNames(fd));
        }
        finally
        {
            LinuxNative.Close(fd);
        }
    }

    private void LoadBeneath(string path, string host, List<string> names)
    {
        foreach (var name in names)
        {
            var entry = Path.Combine(host, name);
            var child = TarPath.Join(path, name);
            var stat = HostFile.LStat(entry);
            if (stat is null)
            {
                continue;
            }

            if (stat.Value.Type == EntryType.CharDevice && stat.Value.DevMajor == 0 && stat.Value.DevMinor == 0)
            {
                OverlayWhiteouts.Add(child);
                continue;
            }

            Add(child, stat.Value);
            if (stat.Value.Type == EntryType.Directory)
            {
                if (HostFile.IsOverlayOpaque(entry))
                {
                    OverlayOpaque.Add(child);
                }

                LoadBeneath(child);
            }
        }
    }

    private void RemoveFromGroup(string path)
    {
        if (_fileIds.Remove(path, out var id) && _groups.TryGetValue(id, out var group))
        {
            group.Remove(path);
            if (group.Count == 0)
            {
                _groups.Remove(id);
            }
        }
    }
}
