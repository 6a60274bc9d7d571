using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// What a container shows, and the copy-on-write operations on it: the container's state (its image's
/// layers and union view, the index of <c>upper/</c>, the whiteout record) and its parts, one per job:
/// <see cref="Reader"/> (lookups, lists, reads), <see cref="Diff"/> (what changed), <see cref="CopyUp"/>,
/// <see cref="Writes"/> (files, directories, deletions), <see cref="Links"/>, <see cref="Metadata"/>
/// (chmod, chown, mtime), <see cref="Moves"/> (copy, rename), <see cref="WhiteoutStorage"/>,
/// <see cref="Locks"/>, <see cref="UpperFiles"/> (every host path pinned beneath <c>upper/</c>) and
/// <see cref="LowerData"/> (image file data by offset). The methods here are the container's API; each
/// hands the call to its part.
/// </summary>
/// <remarks>A view is a snapshot for one process: writes take the container's lock, and another process's writes are seen by opening the container again.</remarks>
internal sealed class ContainerView : ILowerView
{
    public ContainerView(LayerStore store, ContainerRecord record, string directory, IReadOnlyList<LayerIndex> layers, UnionView? lower = null)
    {
        Store = store;
        Record = record;
        Directory = directory;
        Layers = layers;
        Lower = lower ?? UnionView.Build(layers);
        UpperDir = Path.Combine(directory, "upper");
        LowerData = new LowerData(store, layers, Lower);
        UpperFiles = new UpperFiles(this);
        WhiteoutStorage = new WhiteoutStorage(this);
        Locks = new ContainerLock(this);
        Reader = new ContainerReader(this);
        Diff = new ContainerDiff(this);
        CopyUp = new ContainerCopyUp(this);
        Writes = new ContainerWrites(this);
        Links = new ContainerLinks(this);
        Metadata = new ContainerMetadata(this);
        Moves = new ContainerMoves(this);
        Upper = UpperIndex.Load(UpperDir);
        Whiteouts = WhiteoutStorage.Read(Upper);
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

    public ContainerReader Reader { get; }

    public ContainerDiff Diff { get; }

    public ContainerCopyUp CopyUp { get; }

    public ContainerWrites Writes { get; }

    public ContainerLinks Links { get; }

    public ContainerMetadata Metadata { get; }

    public ContainerMoves Moves { get; }

    public WhiteoutStorage WhiteoutStorage { get; }

    public ContainerLock Locks { get; }

    public UpperFiles UpperFiles { get; }

    public LowerData LowerData { get; }

    // ---------------------------------------------------------------- reads

    /// <inheritdoc cref="ContainerReader.Node"/>
    public UnionNode? Node(string path) => Reader.Node(path);

    public LayerEntry? Lookup(string path) => Reader.Lookup(path);

    /// <inheritdoc cref="ContainerReader.Resolve"/>
    public string Resolve(string path, bool followLast) => Reader.Resolve(path, followLast);

    /// <inheritdoc cref="ContainerPaths.Clean"/>
    public static string Clean(string path) => ContainerPaths.Clean(path);

    public static string Display(string path) => ContainerPaths.Display(path);

    /// <inheritdoc cref="ContainerReader.Stat"/>
    public LayerFile? Stat(string path, bool followLinks = false, bool withDigest = false) => Reader.Stat(path, followLinks, withDigest);

    public bool Exists(string path) => Stat(path) is not null;

    /// <inheritdoc cref="ContainerReader.List"/>
    public IReadOnlyList<LayerFile> List(string path) => Reader.List(path);

    /// <inheritdoc cref="ContainerReader.Walk"/>
    public IEnumerable<LayerFile> Walk(string path) => Reader.Walk(path);

    /// <inheritdoc cref="ContainerReader.OpenRead"/>
    public Stream OpenRead(string path) => Reader.OpenRead(path);

    /// <inheritdoc cref="ContainerReader.UpperNode"/>
    public UnionNode? UpperNode(string path) => Reader.UpperNode(path);

    /// <inheritdoc cref="ContainerReader.OwnerOf"/>
    public (int Uid, int Gid) OwnerOf(string path, HostStat stat) => Reader.OwnerOf(path, stat);

    /// <inheritdoc cref="LowerData.Open(UnionNode)"/>
    public Stream OpenLowerData(UnionNode node) => LowerData.Open(node);

    /// <inheritdoc cref="ContainerDiff.UpperSize"/>
    public long UpperSize() => Diff.UpperSize();

    /// <inheritdoc cref="ContainerDiff.Changes"/>
    public IReadOnlyList<ContainerChange> Changes() => Diff.Changes();

    /// <inheritdoc cref="ContainerDiff.HasChanges"/>
    public bool HasChanges => Diff.HasChanges;

    // ---------------------------------------------------------------- writes

    /// <inheritdoc cref="ContainerWrites.OpenWrite"/>
    public Stream OpenWrite(string path, bool append = false, int mode = 0x1A4) => Writes.OpenWrite(path, append, mode);

    /// <inheritdoc cref="ContainerWrites.WriteFile"/>
    public void WriteFile(string path, Stream content, bool append = false, int mode = 0x1A4) => Writes.WriteFile(path, content, append, mode);

    /// <inheritdoc cref="ContainerWrites.CreateDirectory"/>
    public void CreateDirectory(string path, int mode = 0x1ED, bool parents = true) => Writes.CreateDirectory(path, mode, parents);

    /// <inheritdoc cref="ContainerLinks.CreateSymlink"/>
    public void CreateSymlink(string path, string target) => Links.CreateSymlink(path, target);

    /// <inheritdoc cref="ContainerLinks.CreateHardLink"/>
    public void CreateHardLink(string path, string target) => Links.CreateHardLink(path, target);

    /// <inheritdoc cref="ContainerWrites.Delete"/>
    public void Delete(string path, bool recursive = false) => Writes.Delete(path, recursive);

    /// <inheritdoc cref="ContainerMoves.Copy"/>
    public void Copy(string source, string destination, bool recursive = false) => Moves.Copy(source, destination, recursive);

    /// <inheritdoc cref="ContainerMoves.Move"/>
    public void Move(string source, string destination) => Moves.Move(source, destination);

    /// <inheritdoc cref="ContainerMetadata.SetMode"/>
    public void SetMode(string path, int mode) => Metadata.SetMode(path, mode);

    /// <inheritdoc cref="ContainerMetadata.SetOwner"/>
    public void SetOwner(string path, int uid, int gid) => Metadata.SetOwner(path, uid, gid);

    /// <inheritdoc cref="ContainerMetadata.SetModifiedTime"/>
    public void SetModifiedTime(string path, DateTimeOffset time) => Metadata.SetModifiedTime(path, time);

    /// <inheritdoc cref="WhiteoutStorage.WriteOverlayWhiteouts"/>
    public void WriteOverlayWhiteouts() => WhiteoutStorage.WriteOverlayWhiteouts();

    // ---------------------------------------------------------------- state

    /// <inheritdoc cref="UpperFiles.Checked"/>
    public UpperPath CheckedHostPath(string path, EntryType? expected) => UpperFiles.Checked(path, expected);

    /// <inheritdoc cref="WhiteoutStorage.Save"/>
    public void SaveRecord() => WhiteoutStorage.Save();

    /// <inheritdoc cref="ContainerLock.WriteLock"/>
    public StoreLock WriteLock() => Locks.WriteLock();

    /// <inheritdoc cref="ContainerLock.Lock"/>
    public StoreLock Lock() => Locks.Lock();

    /// <summary>Reads the writable layer and the whiteout record again.</summary>
    public void Refresh()
    {
        Upper = UpperIndex.Load(UpperDir);
        Whiteouts = WhiteoutStorage.Read(Upper);
    }

    public LayerToolsException NotFound(string path) =>
        new("PathNotFound", ErrorKind.ObjectNotFound, $"Container '{Name}' has no '{path}'.", path);

    public LayerToolsException NotADirectory(string path) =>
        new("NotADirectory", ErrorKind.InvalidArgument, $"'{Display(path)}' in container '{Name}' is not a directory.", path);
}
