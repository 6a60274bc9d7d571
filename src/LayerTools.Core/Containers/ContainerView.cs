using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// What a container shows, and the copy-on-write operations on it. Lookups go to the upper directory's
/// index first, then to the image's union view (both dictionaries: the cost does not depend on the
/// number of layers); a whiteout or an opaque directory hides what is below. Reading never copies;
/// the first write to an image file copies it (and the other names of its hard-link group) up,
/// streamed from the layer blob. Paths are resolved inside the container's root: symbolic links are
/// followed logically, never by the host, and every host path is checked to lie under <c>upper/</c>
/// through real directories only.
/// </summary>
/// <remarks>A view is a snapshot for one process: writes take the container's lock, and another process's writes are seen by opening the container again.</remarks>
internal sealed class ContainerView
{
    private readonly Dictionary<int, Dictionary<string, LayerEntry>> _layerPaths = new();
    private Dictionary<(int Layer, string Path), List<string>>? _lowerGroups;

    public ContainerView(LayerStore store, ContainerRecord record, string directory, IReadOnlyList<LayerIndex> layers, UnionView? lower = null)
    {
        Store = store;
        Record = record;
        Directory = directory;
        Layers = layers;
        Lower = lower ?? UnionView.Build(layers);
        UpperDir = Path.Combine(directory, "upper");
        Upper = UpperIndex.Load(UpperDir);
        Whiteouts = ReadWhiteouts();
    }

    public LayerStore Store { get; }

    public ContainerRecord Record { get; }

    /// <summary>The container's folder: layertools/containers/&lt;id&gt;.</summary>
    public string Directory { get; }

    public string UpperDir { get; }

    /// <summary>The image's layers, base first.</summary>
    public IReadOnlyList<LayerIndex> Layers { get; }

    /// <summary>The image's union view (never changed by the container).</summary>
    public UnionView Lower { get; }

    public UpperIndex Upper { get; private set; }

    public WhiteoutRecord Whiteouts { get; private set; }

    /// <summary>Whether new and copied-up files are given their owner with lchown (root) or have it kept in the whiteout record.</summary>
    public bool UseChown { get; set; } = HostFile.CanChown;

    /// <summary>The layer position a file from the writable layer reports (one above the image's top layer).</summary>
    public int UpperLayerIndex => Layers.Count;

    public string Name => Record.Name;

    // ---------------------------------------------------------------- lookups

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
        var clean = Clean(path);
        return followLast || TarPath.Name(clean) == ".."
            ? RootResolver.Resolve(clean, Lookup, followLast: true)
            : RootResolver.ResolveParent(clean, Lookup);
    }

    /// <summary>
    /// A path in the container's terms: '/' or '\\' separated, empty and '.' components dropped. '..'
    /// stays for the resolver, which takes it after the links before it (as the kernel does) and never
    /// above the root (as in a chroot).
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerToolsException("InvalidPath", ErrorKind.InvalidArgument, "A container path cannot contain a NUL character.", path);
        }

        var parts = new List<string>();
        foreach (var part in path.Split('/', '\\'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
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

        if (withDigest && node.LayerIndex == UpperLayerIndex && node.Entry.Type is EntryType.File or EntryType.HardLink)
        {
            using var content = OpenUpperRead(resolved);
            node.Entry.Digest = Digests.Digest.Of(content);
        }

        return ToLayerFile(node);
    }

    public bool Exists(string path) => Stat(path) is not null;

    /// <summary>The children of a directory (links followed to it), by ordinal name.</summary>
    public IReadOnlyList<LayerFile> List(string path)
    {
        var dir = Resolve(path, followLast: true);
        var node = Node(dir) ?? throw NotFound(path);
        if (node.Entry.Type != EntryType.Directory)
        {
            throw new LayerToolsException("NotADirectory", ErrorKind.InvalidArgument, $"'{Display(dir)}' in container '{Name}' is not a directory.", path);
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
        var node = Node(resolved) ?? throw NotFound(path);
        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException("NotAFile", ErrorKind.InvalidArgument, $"'{Display(resolved)}' in container '{Name}' is a {node.Entry.Type}, not a file.", path);
        }

        if (node.LayerIndex == UpperLayerIndex)
        {
            return OpenUpperRead(resolved);
        }

        return OpenLowerData(node);
    }

    /// <summary>Bytes of file content in the writable layer (each inode once).</summary>
    public long UpperSize()
    {
        long size = 0;
        var seen = new HashSet<(long, long)>();
        foreach (var path in Upper.Paths)
        {
            if (Upper.TypeOf(path) != EntryType.File)
            {
                continue;
            }

            using var host = CheckedHostPath(path, null);
            if (host.LStat() is { Type: EntryType.File } st && (st.Inode == 0 || seen.Add(st.FileId)))
            {
                size += st.Size;
            }
        }

        return size;
    }

    /// <summary>The paths that differ from the image, as <c>docker diff</c> lists them, in tar order.</summary>
    public IReadOnlyList<ContainerChange> Changes()
    {
        var changes = new Dictionary<string, ChangeKind>(StringComparer.Ordinal);
        foreach (var path in Upper.Paths)
        {
            changes[path] = Lower.Get(path) is null ? ChangeKind.Added : ChangeKind.Modified;
        }

        void HiddenChildren(string dir)
        {
            foreach (var child in Lower.List(dir))
            {
                if (!Upper.Contains(child.Entry.Path))
                {
                    changes[child.Entry.Path] = ChangeKind.Deleted;
                }
            }
        }

        foreach (var deleted in Whiteouts.Deleted)
        {
            if (!Upper.Contains(deleted))
            {
                changes[deleted] = ChangeKind.Deleted;
            }
            else if (Upper.TypeOf(deleted) == EntryType.Directory)
            {
                HiddenChildren(deleted);
            }
        }

        foreach (var opaque in Whiteouts.Opaque)
        {
            HiddenChildren(opaque);
        }

        return changes.OrderBy(c => c.Key, TreeOrder.Instance)
            .Select(c => new ContainerChange { Path = Display(c.Key), Kind = c.Value, Container = Name })
            .ToList();
    }

    /// <summary>True when the container differs from its image at all.</summary>
    public bool HasChanges => Upper.Count > 0 || Whiteouts.Deleted.Count > 0 || Whiteouts.Opaque.Count > 0;

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Opens a file for writing (links followed, created when missing with <paramref name="mode"/>).
    /// An image file is copied up first, with its data only when <paramref name="append"/> keeps it.
    /// </summary>
    public Stream OpenWrite(string path, bool append = false, int mode = 0x1A4)
    {
        using var l = WriteLock();
        var resolved = Resolve(path, followLast: true);
        var node = Node(resolved);
        if (node is null)
        {
            RequireDirectory(TarPath.Parent(resolved), path);
            EnsureUpperDirectory(TarPath.Parent(resolved));
            using var host = NewHostPath(resolved);
            var created = host.OpenFile(LinuxNative.OWrOnly | LinuxNative.OCreat | LinuxNative.OExcl, 0x180);
            try
            {
                ApplyMetadata(resolved, host, EntryType.File, mode, 0, 0, null);
                Upper.Add(resolved, host.LStat()!.Value);
                SaveRecord();
            }
            catch
            {
                created.Dispose();
                throw;
            }

            return created;
        }

        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException(node.Entry.Type == EntryType.Directory ? "IsADirectory" : "NotAFile", ErrorKind.InvalidArgument, $"'{Display(resolved)}' in container '{Name}' is a {node.Entry.Type}; only files can be written.", path);
        }

        if (node.LayerIndex != UpperLayerIndex)
        {
            CopyUp(resolved, node, withData: append);
        }

        using var existing = CheckedHostPath(resolved, EntryType.File);
        var stream = existing.OpenFile(LinuxNative.OWrOnly | (append ? 0 : LinuxNative.OTrunc));
        if (append)
        {
            stream.Seek(0, SeekOrigin.End);
        }

        return stream;
    }

    /// <summary>Writes a whole file from a stream (see <see cref="OpenWrite"/>).</summary>
    public void WriteFile(string path, Stream content, bool append = false, int mode = 0x1A4)
    {
        using var output = OpenWrite(path, append, mode);
        content.CopyTo(output, 81920);
    }

    /// <summary>Creates a directory, and its missing parents when <paramref name="parents"/> (an existing directory is then fine, as with mkdir -p).</summary>
    public void CreateDirectory(string path, int mode = 0x1ED, bool parents = true)
    {
        using var l = WriteLock();
        CreateDirectoryLocked(Resolve(path, followLast: false), mode, parents, path);
        SaveRecord();
    }

    /// <summary>Creates a symbolic link; its target is kept as given (it resolves inside the container's root).</summary>
    public void CreateSymlink(string path, string target)
    {
        if (target.Length == 0 || target.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerToolsException("InvalidLinkTarget", ErrorKind.InvalidArgument, "A symbolic link needs a target without NUL characters.", path);
        }

        using var l = WriteLock();
        var resolved = Resolve(path, followLast: false);
        RequireAbsent(resolved, path);
        RequireDirectory(TarPath.Parent(resolved), path);
        EnsureUpperDirectory(TarPath.Parent(resolved));
        using var host = NewHostPath(resolved);
        File.CreateSymbolicLink(host.Host, target);
        ApplyMetadata(resolved, host, EntryType.SymbolicLink, 0x1FF, 0, 0, null);
        Upper.Add(resolved, host.LStat()!.Value);
        SaveRecord();
    }

    /// <summary>Makes <paramref name="path"/> another name of the file <paramref name="target"/> (an image file is copied up first, with its link group).</summary>
    public void CreateHardLink(string path, string target)
    {
        using var l = WriteLock();
        var source = Resolve(target, followLast: false);
        var node = Node(source) ?? throw NotFound(target);
        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException("NotAFile", ErrorKind.InvalidArgument, $"'{Display(source)}' in container '{Name}' is a {node.Entry.Type}; hard links name files only.", target);
        }

        if (node.LayerIndex != UpperLayerIndex)
        {
            CopyUp(source, node, withData: true);
        }

        var resolved = Resolve(path, followLast: false);
        RequireAbsent(resolved, path);
        RequireDirectory(TarPath.Parent(resolved), path);
        EnsureUpperDirectory(TarPath.Parent(resolved));
        using var existing = CheckedHostPath(source, EntryType.File);
        using var host = NewHostPath(resolved);
        HostFile.Link(existing.Host, host.Host);
        if (Whiteouts.Owners.TryGetValue(source, out var owner))
        {
            Whiteouts.Owners[resolved] = owner;
        }

        Upper.Add(resolved, host.LStat()!.Value);
        SaveRecord();
    }

    /// <summary>Deletes a path (a final link itself, not its target). An image path gets one whiteout, whatever lies beneath it.</summary>
    public void Delete(string path, bool recursive = false)
    {
        using var l = WriteLock();
        DeleteLocked(Resolve(path, followLast: false), recursive, path);
        SaveRecord();
    }

    /// <summary>Copies a file, link or (with <paramref name="recursive"/>) directory within the container, keeping mode, owner and mtime.</summary>
    public void Copy(string source, string destination, bool recursive = false)
    {
        var src = Resolve(source, followLast: false);
        var node = Node(src) ?? throw NotFound(source);
        var dst = Resolve(destination, followLast: false);
        if (Node(Resolve(destination, followLast: true)) is { Entry.Type: EntryType.Directory } && !(node.Entry.Type == EntryType.Directory && Node(dst) is null))
        {
            dst = TarPath.Join(Resolve(destination, followLast: true), TarPath.Name(src));
        }

        if (node.Entry.Type == EntryType.Directory && TarPath.IsWithin(dst, src))
        {
            throw new LayerToolsException("CopyIntoItself", ErrorKind.InvalidArgument, $"Cannot copy '{Display(src)}' into itself ('{Display(dst)}').", source);
        }

        CopyTree(src, node, dst, recursive, source);
    }

    /// <summary>Moves (renames) a path within the container. Paths only in the writable layer move in place; image paths are copied and whited out, as overlayfs does.</summary>
    public void Move(string source, string destination)
    {
        var src = Resolve(source, followLast: false);
        var node = Node(src) ?? throw NotFound(source);
        if (src.Length == 0)
        {
            throw new LayerToolsException("CannotMoveRoot", ErrorKind.InvalidArgument, "The container's root cannot be moved.", source);
        }

        var dst = Resolve(destination, followLast: false);
        if (Node(Resolve(destination, followLast: true)) is { Entry.Type: EntryType.Directory } dirNode && dirNode.Entry.Path != src)
        {
            dst = TarPath.Join(Resolve(destination, followLast: true), TarPath.Name(src));
        }

        if (dst == src)
        {
            return;
        }

        if (TarPath.IsWithin(dst, src))
        {
            throw new LayerToolsException("MoveIntoItself", ErrorKind.InvalidArgument, $"Cannot move '{Display(src)}' into itself ('{Display(dst)}').", source);
        }

        if (Node(dst) is { } existing)
        {
            if (existing.Entry.Type == EntryType.Directory && List(Display(dst)).Count > 0)
            {
                throw new LayerToolsException("DirectoryNotEmpty", ErrorKind.InvalidOperation, $"Cannot move onto '{Display(dst)}': it is a directory that is not empty.", destination);
            }

            Delete(Display(dst), recursive: true);
        }

        var upperOnly = node.LayerIndex == UpperLayerIndex && !LowerVisibleIgnoringUpper(src) && !HasLowerBeneath(src) && (node.Entry.Type != EntryType.File || Upper.GroupOf(src) is null);
        if (!upperOnly)
        {
            CopyTree(src, node, dst, recursive: true, source);
            Delete(Display(src), recursive: true);
            return;
        }

        using var l = WriteLock();
        RequireDirectory(TarPath.Parent(dst), destination);
        EnsureUpperDirectory(TarPath.Parent(dst));
        using (var from = CheckedHostPath(src, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type))
        using (var to = NewHostPath(dst))
        {
            // rename(2) never follows a link; both names are pinned to their directories.
            if (node.Entry.Type == EntryType.Directory)
            {
                System.IO.Directory.Move(from.Host, to.Host);
            }
            else
            {
                File.Move(from.Host, to.Host);
            }

            Upper.RemoveTree(src);
            Upper.Add(dst, to.LStat()!.Value);
        }

        if (node.Entry.Type == EntryType.Directory)
        {
            Upper.LoadBeneath(dst);
        }

        foreach (var key in Whiteouts.Owners.Keys.Where(k => TarPath.IsWithin(k, src)).ToList())
        {
            Whiteouts.Owners.Remove(key, out var owner);
            Whiteouts.Owners[dst + key[src.Length..]] = owner!;
        }

        SaveRecord();
    }

    /// <summary>Changes the permission bits (links followed); an image path is copied up first.</summary>
    public void SetMode(string path, int mode)
    {
        using var l = WriteLock();
        var resolved = Resolve(path, followLast: true);
        var node = CopiedUp(resolved, path);
        using var host = CheckedHostPath(resolved, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type);
        if (node.Entry.Type != EntryType.SymbolicLink)
        {
            host.SetMode(mode);
        }
    }

    /// <summary>Changes the owner (links followed); an image path is copied up first.</summary>
    public void SetOwner(string path, int uid, int gid)
    {
        using var l = WriteLock();
        var resolved = Resolve(path, followLast: true);
        var node = CopiedUp(resolved, path);
        using var host = CheckedHostPath(resolved, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type);
        var mode = host.LStat()!.Value.Mode;
        SetOwnerOf(resolved, host, uid, gid);
        if (node.Entry.Type != EntryType.SymbolicLink)
        {
            host.SetMode(mode); // chown clears setuid and setgid: keep the bits
        }

        SaveRecord();
    }

    /// <summary>Sets the modification time (links followed); an image path is copied up first.</summary>
    public void SetModifiedTime(string path, DateTimeOffset time)
    {
        using var l = WriteLock();
        var resolved = Resolve(path, followLast: true);
        var node = CopiedUp(resolved, path);
        var type = node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type;
        using var host = CheckedHostPath(resolved, type);
        if (type is EntryType.Directory or EntryType.File)
        {
            host.SetModifiedTime(time.UtcDateTime, type == EntryType.Directory);
        }
    }

    /// <summary>
    /// Puts the recorded whiteouts into <c>upper/</c> in overlayfs' own form (a character device 0/0 for
    /// each deleted path, the opaque xattr on each opaque directory), so that the directory can be
    /// mounted as an overlay upperdir and show exactly this view. The record keeps them too; this view
    /// and later ones read both forms as the same deletions.
    /// </summary>
    public void WriteOverlayWhiteouts()
    {
        using var l = Lock();
        foreach (var deleted in Whiteouts.Deleted)
        {
            if (Upper.Contains(deleted) || Upper.OverlayWhiteouts.Contains(deleted))
            {
                continue;
            }

            EnsureUpperDirectory(TarPath.Parent(deleted));
            using (var host = CheckedHostPath(deleted, null))
            {
                HostFile.MakeOverlayWhiteout(host.Host);
            }

            Upper.OverlayWhiteouts.Add(deleted);
        }

        foreach (var opaque in Whiteouts.Opaque)
        {
            if (Upper.TypeOf(opaque) == EntryType.Directory && !Upper.OverlayOpaque.Contains(opaque))
            {
                using var host = CheckedHostPath(opaque, EntryType.Directory);
                HostFile.MarkOverlayOpaque(host.Host);
                Upper.OverlayOpaque.Add(opaque);
            }
        }
    }

    // ---------------------------------------------------------------- internals

    /// <summary>
    /// The host path of an upper path, pinned: every parent must be a real directory of <c>upper/</c>
    /// (no link anywhere, checked on descriptors, so a program in the mounted container cannot swap
    /// one in between the check and the use) and the path itself must have the expected type.
    /// </summary>
    public UpperPath CheckedHostPath(string path, EntryType? expected)
    {
        var pinned = UpperPath.Open(UpperDir, path, () => Unsafe(path));
        if (expected is { } type && pinned.LStat() is { } st && st.Type != type)
        {
            pinned.Dispose();
            throw Unsafe(path);
        }

        return pinned;
    }

    /// <summary>Opens a file of the writable layer for reading, never through a link.</summary>
    private FileStream OpenUpperRead(string path)
    {
        using var host = CheckedHostPath(path, EntryType.File);
        return host.OpenFile(LinuxNative.ORdOnly);
    }

    /// <summary>The host path for a new entry; an overlayfs whiteout left there (a character device 0/0) goes first, the deletion it recorded stays in the record.</summary>
    private UpperPath NewHostPath(string path)
    {
        var host = CheckedHostPath(path, null);
        if (Upper.OverlayWhiteouts.Remove(path))
        {
            File.Delete(host.Host);
        }

        return host;
    }

    /// <summary>The uid and gid of an upper path: from the record when kept there, else from the host.</summary>
    public (int Uid, int Gid) OwnerOf(string path, HostStat stat) =>
        Whiteouts.Owners.TryGetValue(path, out var owner) && owner.Length == 2 ? (owner[0], owner[1]) : (stat.Uid, stat.Gid);

    /// <summary>The entry a file from the writable layer shows: its host metadata, and for the later names of a hard-link group, a link to the first.</summary>
    public UnionNode? UpperNode(string path)
    {
        using var host = CheckedHostPath(path, null);
        var stat = host.LStat();
        if (stat is not { } st)
        {
            return null;
        }

        if (Upper.TypeOf(path) is { } indexed && indexed != st.Type)
        {
            // upper/ changed behind this view (a link where a directory was): never look through it.
            throw Unsafe(path);
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

        return new UnionNode(entry, UpperLayerIndex, string.Empty);
    }

    /// <summary>The data of an image file (hard links followed to their target's data), streamed from its layer blob.</summary>
    public Stream OpenLowerData(UnionNode node)
    {
        var (layer, entry) = DataOf(node);
        return Store.OpenBlobRange(Layers[layer].DiffId, entry.Offset, entry.Size);
    }

    private (int Layer, LayerEntry Entry) DataOf(UnionNode node)
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

        throw new LayerToolsException("HardLinkTargetMissing", ErrorKind.InvalidData, $"The data of hard link '{Display(node.Entry.Path)}' ('{node.Entry.LinkTarget}') is in none of the image's layers; run Test-LayerStore.", node.Entry.Path);
    }

    private Dictionary<string, LayerEntry> LayerPaths(int layer)
    {
        if (!_layerPaths.TryGetValue(layer, out var paths))
        {
            paths = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
            foreach (var e in Layers[layer].Entries)
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

    /// <summary>True when the image's entry at <paramref name="path"/> is not hidden by the container (a whiteout, an opaque or replaced parent).</summary>
    private bool LowerVisible(string path)
    {
        if (path.Length == 0)
        {
            return true;
        }

        if (Whiteouts.Deleted.Contains(path))
        {
            return false;
        }

        return LowerVisibleIgnoringUpper(path) ;
    }

    private bool LowerVisibleIgnoringUpper(string path)
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

    private bool HasLowerBeneath(string path) => Lower.Get(path) is { Entry.Type: EntryType.Directory } && LowerVisibleIgnoringUpper(path) && Lower.List(path).Any();

    private IEnumerable<string> ChildNames(string dir)
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
            Path = Display(e.Path),
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
            Image = Name,
        };
    }

    private UnionNode CopiedUp(string resolved, string path)
    {
        if (resolved.Length == 0)
        {
            throw new LayerToolsException("CannotChangeRoot", ErrorKind.InvalidOperation, $"The attributes of the root of container '{Name}' come from its image and cannot be changed.", path);
        }

        var node = Node(resolved) ?? throw NotFound(path);
        if (node.LayerIndex == UpperLayerIndex)
        {
            return node;
        }

        if (node.Entry.Type == EntryType.Directory)
        {
            EnsureUpperDirectory(resolved);
        }
        else
        {
            CopyUp(resolved, node, withData: true);
        }

        return Node(resolved)!;
    }

    /// <summary>
    /// Copies an image file into <c>upper/</c> once: its data streamed from the layer blob, its mode,
    /// owner and mtime; the other visible names of its hard-link group become hard links to the copy.
    /// </summary>
    private void CopyUp(string path, UnionNode node, bool withData)
    {
        var key = GroupKey(node);
        var members = new SortedSet<string>(TreeOrder.Instance) { path };
        if (LowerGroups().TryGetValue(key, out var group))
        {
            foreach (var member in group)
            {
                if (Upper.TypeOf(member) is null && Node(member) is { } m && m.LayerIndex != UpperLayerIndex && GroupKey(m) == key)
                {
                    members.Add(member);
                }
            }
        }

        var (layer, data) = DataOf(node);
        var first = members.Min!;
        EnsureUpperDirectory(TarPath.Parent(first));
        using var host = CheckedHostPath(first, null);
        using (var output = host.OpenFile(LinuxNative.OWrOnly | LinuxNative.OCreat | LinuxNative.OExcl, 0x180))
        {
            if (withData && data.Size > 0)
            {
                using var input = Store.OpenBlobRange(Layers[layer].DiffId, data.Offset, data.Size);
                input.CopyTo(output, 81920);
            }
        }

        var meta = Node(first)?.Entry is { Type: EntryType.File } own ? own : data;
        ApplyMetadata(first, host, EntryType.File, meta.Mode, meta.Uid, meta.Gid, withData ? meta.ModifiedTime : null);
        Upper.Add(first, host.LStat()!.Value);
        foreach (var member in members)
        {
            if (member == first)
            {
                continue;
            }

            EnsureUpperDirectory(TarPath.Parent(member));
            using var memberHost = CheckedHostPath(member, null);
            HostFile.Link(host.Host, memberHost.Host);
            if (!UseChown)
            {
                Whiteouts.Owners[member] = new[] { meta.Uid, meta.Gid };
            }

            Upper.Add(member, memberHost.LStat()!.Value);
        }

        SaveRecord();
    }

    private static (int Layer, string Path) KeyOf((int Layer, LayerEntry Entry) data) => (data.Layer, data.Entry.Path);

    private (int Layer, string Path) GroupKey(UnionNode node) => KeyOf(DataOf(node));

    /// <summary>The image's hard-link groups: the data each hard link shares, with every visible name of it.</summary>
    private Dictionary<(int Layer, string Path), List<string>> LowerGroups()
    {
        if (_lowerGroups is not null)
        {
            return _lowerGroups;
        }

        var groups = new Dictionary<(int, string), List<string>>();
        foreach (var node in Lower.Walk(string.Empty))
        {
            if (node.Entry.Type != EntryType.HardLink)
            {
                continue;
            }

            var key = GroupKey(node);
            if (!groups.TryGetValue(key, out var list))
            {
                list = groups[key] = new List<string>();
                if (Lower.Get(key.Item2) is { Entry.Type: EntryType.File } origin && origin.LayerIndex == key.Item1)
                {
                    list.Add(key.Item2);
                }
            }

            list.Add(node.Entry.Path);
        }

        return _lowerGroups = groups;
    }

    /// <summary>Makes <paramref name="path"/> and its parents real directories of <c>upper/</c>, with the image's mode, owner and mtime.</summary>
    private void EnsureUpperDirectory(string path)
    {
        if (path.Length == 0)
        {
            return;
        }

        if (Upper.TypeOf(path) is { } type)
        {
            if (type != EntryType.Directory)
            {
                throw NotADirectory(path);
            }

            CheckedHostPath(path, EntryType.Directory).Dispose();
            return;
        }

        EnsureUpperDirectory(TarPath.Parent(path));
        var node = Node(path);
        if (node is not { Entry.Type: EntryType.Directory })
        {
            throw NotADirectory(path);
        }

        using var host = CheckedHostPath(path, null);
        MakeDirectory(host, path);
        var e = node.Entry;
        ApplyMetadata(path, host, EntryType.Directory, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
        Upper.Add(path, host.LStat()!.Value);
    }

    private void CreateDirectoryLocked(string resolved, int mode, bool parents, string original)
    {
        if (Node(resolved) is { } existing)
        {
            if (existing.Entry.Type == EntryType.Directory && parents)
            {
                return;
            }

            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{Display(resolved)}' already exists in container '{Name}'.", original);
        }

        var parent = TarPath.Parent(resolved);
        if (Node(parent) is null && parents)
        {
            CreateDirectoryLocked(RootResolver.ResolveParent(parent, Lookup), 0x1ED, parents: true, original);
            parent = RootResolver.Resolve(parent, Lookup, followLast: true);
            resolved = TarPath.Join(parent, TarPath.Name(resolved));
        }

        RequireDirectory(parent, original);
        EnsureUpperDirectory(parent);
        using var host = NewHostPath(resolved);
        MakeDirectory(host, resolved);
        ApplyMetadata(resolved, host, EntryType.Directory, mode, 0, 0, null);
        Upper.Add(resolved, host.LStat()!.Value);
        if (Whiteouts.Deleted.Contains(resolved) && Lower.Get(resolved) is { Entry.Type: EntryType.Directory })
        {
            // A directory deleted from the image and made again: its image children stay hidden.
            Whiteouts.Deleted.Remove(resolved);
            Whiteouts.Opaque.Add(resolved);
        }
    }

    private void DeleteLocked(string resolved, bool recursive, string original)
    {
        if (resolved.Length == 0)
        {
            throw new LayerToolsException("CannotDeleteRoot", ErrorKind.InvalidArgument, "The container's root cannot be deleted.", original);
        }

        var node = Node(resolved) ?? throw NotFound(original);
        if (node.Entry.Type == EntryType.Directory && !recursive && ChildNames(resolved).Any())
        {
            throw new LayerToolsException("DirectoryNotEmpty", ErrorKind.InvalidOperation, $"'{Display(resolved)}' in container '{Name}' is not empty; delete it recursively.", original);
        }

        var imageBelow = LowerVisibleIgnoringUpper(resolved);
        var wasOpaque = Whiteouts.Opaque.Contains(resolved);
        if (Upper.Contains(resolved))
        {
            using (var host = CheckedHostPath(resolved, null))
            {
                host.Remove();
            }

            Upper.RemoveTree(resolved);
        }

        Whiteouts.ForgetBeneath(resolved, includeSelf: false);
        Whiteouts.Owners.Remove(resolved);
        Whiteouts.Opaque.Remove(resolved);
        if (imageBelow || wasOpaque || Whiteouts.Deleted.Contains(resolved))
        {
            EnsureUpperDirectory(TarPath.Parent(resolved));
            Whiteouts.Deleted.Add(resolved);
        }
    }

    private void CopyTree(string src, UnionNode node, string dst, bool recursive, string original)
    {
        var e = node.Entry;
        switch (e.Type)
        {
            case EntryType.Directory:
                if (!recursive)
                {
                    throw new LayerToolsException("DirectoryNeedsRecurse", ErrorKind.InvalidArgument, $"'{Display(src)}' is a directory; copy it recursively.", original);
                }

                using (WriteLock())
                {
                    CreateDirectoryLocked(dst, e.Mode, parents: false, original);
                    using (var host = CheckedHostPath(dst, null))
                    {
                        SetOwnerOf(dst, host, e.Uid, e.Gid);
                    }

                    SaveRecord();
                }

                foreach (var name in ChildNames(src).ToList())
                {
                    var child = TarPath.Join(src, name);
                    CopyTree(child, Node(child)!, TarPath.Join(dst, name), recursive: true, original);
                }

                using (WriteLock())
                {
                    using var host = CheckedHostPath(dst, EntryType.Directory);
                    ApplyMetadata(dst, host, EntryType.Directory, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    SaveRecord();
                }

                break;
            case EntryType.File:
            case EntryType.HardLink:
                using (var input = node.LayerIndex == UpperLayerIndex ? OpenUpperRead(src) : OpenLowerData(node))
                using (var output = OpenWrite(Display(dst), append: false, e.Mode))
                {
                    input.CopyTo(output, 81920);
                }

                using (WriteLock())
                {
                    var target = Resolve(Display(dst), followLast: true);
                    using var host = CheckedHostPath(target, EntryType.File);
                    ApplyMetadata(target, host, EntryType.File, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    SaveRecord();
                }

                break;
            case EntryType.SymbolicLink:
                CreateSymlink(Display(dst), e.LinkTarget!);
                using (WriteLock())
                {
                    using (var host = CheckedHostPath(dst, null))
                    {
                        SetOwnerOf(dst, host, e.Uid, e.Gid);
                    }

                    SaveRecord();
                }

                break;
            default:
                throw new LayerToolsException("CannotCopyDevice", ErrorKind.NotImplemented, $"'{Display(src)}' is a {e.Type}; devices and FIFOs are not copied.", original);
        }
    }

    private void ApplyMetadata(string path, UpperPath host, EntryType type, int mode, int uid, int gid, long? mtime)
    {
        SetOwnerOf(path, host, uid, gid);
        if (type == EntryType.SymbolicLink || OperatingSystem.IsWindows())
        {
            return;
        }

        host.SetMode(mode);
        if (mtime is { } seconds)
        {
            host.SetModifiedTime(DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime, type == EntryType.Directory);
        }
    }

    /// <summary>mkdir of a pinned path; an existing directory is fine, anything else there is not.</summary>
    private void MakeDirectory(UpperPath host, string path)
    {
        if (host.LStat() is { } st)
        {
            if (st.Type != EntryType.Directory)
            {
                throw Unsafe(path);
            }

            return;
        }

        System.IO.Directory.CreateDirectory(host.Host);
    }

    private void SetOwnerOf(string path, UpperPath host, int uid, int gid)
    {
        if (UseChown)
        {
            HostFile.LChown(host.Host, uid, gid);
            Whiteouts.Owners.Remove(path);
        }
        else
        {
            Whiteouts.Owners[path] = new[] { uid, gid };
        }
    }

    private UnionNode RequireDirectory(string path, string original)
    {
        var node = Node(path);
        if (node is null)
        {
            throw new LayerToolsException("ParentNotFound", ErrorKind.ObjectNotFound, $"Container '{Name}' has no directory '{Display(path)}' to hold '{original}'.", original);
        }

        if (node.Entry.Type != EntryType.Directory)
        {
            throw NotADirectory(path);
        }

        return node;
    }

    private void RequireAbsent(string path, string original)
    {
        if (Node(path) is not null)
        {
            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{Display(path)}' already exists in container '{Name}'.", original);
        }
    }

    /// <summary>Writes the whiteout record (a new generation) atomically; callers hold <see cref="Lock"/>.</summary>
    public void SaveRecord()
    {
        Whiteouts.Generation++;
        AtomicFile.WriteAllBytes(RecordPath, Whiteouts.ToJson(), Store.TmpDir);
    }

    /// <summary>
    /// The lock for a change: while the container is mounted (Mount-ContainerLayer), the overlay and the
    /// programs working in it own upper/, so LayerTools refuses to change it underneath them.
    /// </summary>
    public StoreLock WriteLock()
    {
        var held = Lock();
        if (ContainerStore.IsMounted(Directory))
        {
            held.Dispose();
            throw new LayerToolsException("ContainerMounted", ErrorKind.ResourceUnavailable, $"Container '{Name}' is mounted; change its files through the mount folder, or run Dismount-ContainerLayer first.", Name);
        }

        return held;
    }

    /// <summary>Takes the container's lock, and reloads the view when another view or process changed the container since it looked.</summary>
    public StoreLock Lock()
    {
        var held = StoreLock.Acquire(Path.Combine(Directory, "lock"), LayerStore.LockTimeout);
        try
        {
            if (WhiteoutRecord.ReadGeneration(RecordPath) != Whiteouts.Generation)
            {
                Refresh();
            }
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return held;
    }

    /// <summary>Reads the writable layer and the whiteout record again.</summary>
    public void Refresh()
    {
        Upper = UpperIndex.Load(UpperDir);
        Whiteouts = ReadWhiteouts();
    }

    private string RecordPath => Path.Combine(Directory, WhiteoutRecord.FileName);

    private WhiteoutRecord ReadWhiteouts()
    {
        var record = WhiteoutRecord.Read(RecordPath);
        foreach (var deleted in Upper.OverlayWhiteouts)
        {
            record.Deleted.Add(deleted);
        }

        foreach (var opaque in Upper.OverlayOpaque)
        {
            record.Opaque.Add(opaque);
        }

        return record;
    }

    public static string Display(string path) => "/" + path;

    private LayerToolsException NotFound(string path) =>
        new("PathNotFound", ErrorKind.ObjectNotFound, $"Container '{Name}' has no '{path}'.", path);

    private LayerToolsException NotADirectory(string path) =>
        new("NotADirectory", ErrorKind.InvalidArgument, $"'{Display(path)}' in container '{Name}' is not a directory.", path);

    private LayerToolsException Unsafe(string path) =>
        new("UnsafeUpperPath", ErrorKind.SecurityError, $"'{Display(path)}' of container '{Name}' does not lie under its upper directory through real directories (a link or a changed type is in the way); nothing was written.", path);
}
