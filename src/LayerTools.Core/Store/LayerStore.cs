using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Store;

/// <summary>
/// The content-addressed store. On disk it is an OCI image layout (oci-layout, index.json,
/// blobs/sha256/) that skopeo and umoci read as it is; LayerTools' own records live under
/// layertools/ beside it. Blobs and layer indexes are immutable; index.json changes only under
/// the store lock, by write-new-then-rename.
/// </summary>
internal sealed class LayerStore
{
    private static readonly byte[] OciLayoutBytes = Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}");
    private readonly ConcurrentDictionary<string, LayerIndex> _indexCache = new(StringComparer.Ordinal);
    private int _swept;
    private StoreAccess? _access;

    private LayerStore(string root)
    {
        Root = root;
        BlobsDir = Path.Combine(root, "blobs", "sha256");
        DataDir = Path.Combine(root, "layertools");
        TmpDir = Path.Combine(DataDir, "tmp");
        IndexesDir = Path.Combine(DataDir, "indexes", "sha256");
        LockPath = Path.Combine(DataDir, "store.lock");
        IndexJsonPath = Path.Combine(root, "index.json");
    }

    public string Root { get; }

    public string BlobsDir { get; }

    public string DataDir { get; }

    public string TmpDir { get; }

    public string IndexesDir { get; }

    public string LockPath { get; }

    public string IndexJsonPath { get; }

    /// <summary>Who may reach the store's files (private, or shared with the root folder's group), and the modes that follow.</summary>
    public StoreAccess Access => _access ??= StoreAccess.Of(Root);

    public static TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Opens the store at <paramref name="path"/> (or the default), creating an empty layout when there is none.</summary>
    public static LayerStore Open(string? path = null)
    {
        var root = Path.GetFullPath(string.IsNullOrEmpty(path) ? StorePaths.Default() : path);
        var store = new LayerStore(root);
        store.EnsureLayout();
        return store;
    }

    /// <summary>
    /// Opens the store at <paramref name="path"/> (or the default) to read it, creating nothing: where
    /// there is no store (a mistyped -StorePath, a first run) it reads as an empty one and
    /// <see cref="Exists"/> is false. For the cmdlets that only read, and for tab completion.
    /// </summary>
    public static LayerStore OpenReadOnly(string? path = null)
    {
        var store = new LayerStore(Path.GetFullPath(string.IsNullOrEmpty(path) ? StorePaths.Default() : path));
        store.RefuseFile();
        return store;
    }

    /// <summary>True when the folder holds a store (its index.json).</summary>
    public bool Exists => File.Exists(IndexJsonPath);

    private void RefuseFile()
    {
        if (File.Exists(Root))
        {
            throw new LayerToolsException("StoreNotADirectory", ErrorKind.InvalidArgument, $"The store path '{Root}' is a file, not a folder.", Root);
        }
    }

    private void EnsureLayout()
    {
        RefuseFile();

        if (File.Exists(IndexJsonPath) && File.Exists(Path.Combine(Root, "oci-layout")) && Directory.Exists(TmpDir) && Directory.Exists(IndexesDir))
        {
            return;
        }

        if (!Directory.Exists(Root))
        {
            // A new store is private to its owner; a folder made beforehand with the setgid bit makes a shared one.
            StoreAccess.Private.CreatePrivateFolder(Root);
        }

        Access.CreateFolder(BlobsDir);
        Access.CreateFolder(TmpDir);
        Access.CreateFolder(IndexesDir);
        using var l = Lock();
        var layout = Path.Combine(Root, "oci-layout");
        if (!File.Exists(layout))
        {
            WriteFile(layout, OciLayoutBytes);
        }

        if (!File.Exists(IndexJsonPath))
        {
            WriteIndexJson(new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray() });
        }
    }

    /// <summary>
    /// Takes the store lock. The first time in each command it also reclaims what dead operations
    /// left (<see cref="LeaseSweeper"/>): their leases, scratch folders, RUN containers and mounts.
    /// </summary>
    public StoreLock Lock(CancellationToken cancellationToken = default) => Lock(LockTimeout, cancellationToken);

    /// <summary>
    /// Reclaims what dead operations left, when this command has not yet, without waiting: when the
    /// store lock is busy (another process, or this one further up the stack) it is left for later.
    /// A command that takes a lease calls it, so the next one reclaims even if it never takes the lock.
    /// </summary>
    public void TryReclaim()
    {
        if (Volatile.Read(ref _swept) != 0)
        {
            return;
        }

        try
        {
            Lock(TimeSpan.Zero, CancellationToken.None).Dispose();
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "StoreBusy")
        {
            // Whoever holds the lock is running; the next command reclaims.
        }
    }

    private StoreLock Lock(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Access.CreateFolder(DataDir);
        var l = StoreLock.Acquire(LockPath, Access.FileMode, timeout, cancellationToken);
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            LeaseSweeper.Sweep(this);
        }

        return l;
    }

    public string BlobPath(string digest) => Path.Combine(BlobsDir, Digest.Hex(digest));

    public string LayerIndexPath(string diffId) => Path.Combine(IndexesDir, Digest.Hex(diffId) + ".json");

    public bool HasBlob(string digest) => Digest.IsValid(digest) && File.Exists(BlobPath(digest));

    public long BlobSize(string digest) => new FileInfo(BlobPath(digest)).Length;

    /// <summary>Fetches remote layers when an operation needs their files (see <see cref="RemoteLayers"/>); null: a remote layer's files are an error (LayerNotFetched).</summary>
    public IRemoteLayerFetcher? RemoteFetcher { get; set; }

    public FileStream OpenBlob(string digest)
    {
        // A remote layer's blob (by DiffID, or its compressed form) is fetched first. Not in an
        // exception filter: an error while fetching must surface as itself.
        if (!HasBlob(digest) && (RemoteLayers.Get(this, digest) ?? RemoteLayers.ForBlob(this, digest)) is { } remote)
        {
            FetchRemote(remote);
        }

        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920);
        }
        catch (FileNotFoundException ex)
        {
            throw new LayerToolsException("BlobNotFound", ErrorKind.ObjectNotFound, $"Blob {digest} is missing from the store '{Root}'; run Test-LayerStore.", digest, ex);
        }
    }

    /// <summary>One entry's data, read in place from a blob by offset (nothing extracted); a blob too short for it is reported, never read short.</summary>
    public Stream OpenBlobRange(string digest, long offset, long length)
    {
        try
        {
            return new StreamSlice(OpenBlob(digest), offset, length);
        }
        catch (EndOfStreamException ex)
        {
            throw new LayerToolsException("LayerBlobTruncated", ErrorKind.InvalidData, $"Blob {digest} is too short for the {length} bytes at offset {offset} that its index names; run Test-LayerStore.", digest, ex);
        }
    }

    public byte[] ReadBlob(string digest, long maxBytes)
    {
        using var fs = OpenBlob(digest);
        if (fs.Length > maxBytes)
        {
            throw new LayerToolsException("BlobTooLarge", ErrorKind.LimitsExceeded, $"Blob {digest} is {fs.Length} bytes, more than the {maxBytes} allowed for it.", digest);
        }

        var bytes = new byte[fs.Length];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The entry index of a layer in the store (cached: indexes never change).</summary>
    public LayerIndex ReadLayerIndex(string diffId)
    {
        return _indexCache.GetOrAdd(diffId, id =>
        {
            // A remote layer is fetched first (not in an exception filter: a fetch's error surfaces as itself).
            if (!File.Exists(LayerIndexPath(id)) && RemoteLayers.Get(this, id) is { } remote)
            {
                FetchRemote(remote);
            }

            try
            {
                using var fs = File.OpenRead(LayerIndexPath(id));
                return LayerIndex.FromJson(fs);
            }
            catch (FileNotFoundException ex)
            {
                throw new LayerToolsException("LayerIndexNotFound", ErrorKind.ObjectNotFound, $"Layer {id} has no entry index in the store '{Root}'; run Test-LayerStore.", id, ex);
            }
            catch (JsonException ex)
            {
                throw new LayerToolsException("LayerIndexCorrupt", ErrorKind.InvalidData, $"The entry index of layer {id} is unreadable; run Test-LayerStore.", id, ex);
            }
        });
    }

    /// <summary>
    /// Unpacks packed layers on first use (see <see cref="ILayerUnpacker"/>): Interchange's, attached
    /// when the core assembly loads, so it serves every store whoever opened it (a cmdlet, a drive, a test).
    /// </summary>
    public static ILayerUnpacker? Unpacker { get; set; }

    /// <summary>
    /// Makes a remote layer's files readable, with the layers below it that the store has not unpacked,
    /// base first: a run of packed layers (their compressed blobs in the store, as a pull leaves them)
    /// is unpacked here, with no network; a run of layers whose blobs are only in a registry is fetched
    /// through <see cref="RemoteFetcher"/> (an error when the store has none). Each run is one commit.
    /// </summary>
    private void FetchRemote(RemoteLayer layer)
    {
        var pending = layer.Below.Append(layer.DiffId)
            .Where(d => !File.Exists(LayerIndexPath(d)))
            .Select(d => d == layer.DiffId ? layer : RemoteLayers.Get(this, d) ?? throw new LayerToolsException("LayerNotFetched", ErrorKind.ObjectNotFound, $"Layer {d}, below {layer.DiffId}, is neither in the store nor known in a registry; pull the image again.", d))
            .ToList();
        for (var start = 0; start < pending.Count;)
        {
            var packed = HasBlob(pending[start].Blob.Digest);
            var run = pending.Skip(start).TakeWhile(l => HasBlob(l.Blob.Digest) == packed).ToList();
            if (packed)
            {
                var unpacker = Unpacker ?? throw new InvalidOperationException("No layer unpacker is attached to the store.");
                if (RemoteFetcher is { } command)
                {
                    command.Run(token => unpacker.Unpack(this, run, command.Log, command.Progress, token));
                }
                else
                {
                    unpacker.Unpack(this, run, null, null, CancellationToken.None);
                }
            }
            else
            {
                var top = run[^1];
                var fetcher = RemoteFetcher
                    ?? throw new LayerToolsException("LayerNotFetched", ErrorKind.ObjectNotFound, $"Layer {top.DiffId} is still in the registry ({top.Registry}/{top.Repository}, blob {top.Blob.Digest}); this operation cannot fetch it. Pull the image with Request-LayeredImage.", top.DiffId);
                fetcher.Fetch(this, top, CancellationToken.None);
            }

            start += run.Count;
        }
    }

    public JsonObject ReadIndexJson()
    {
        var bytes = File.ReadAllBytes(IndexJsonPath);
        return JsonDocuments.ParseObject(bytes, IndexJsonPath, "StoreIndexCorrupt");
    }

    /// <summary>The manifest descriptors of index.json, in order.</summary>
    public IReadOnlyList<Descriptor> ReadManifestDescriptors() =>
        Exists ? ManifestDescriptors(ReadIndexJson(), IndexJsonPath) : Array.Empty<Descriptor>();

    public static List<Descriptor> ManifestDescriptors(JsonObject index, string where)
    {
        var list = new List<Descriptor>();
        if (index["manifests"] is JsonArray manifests)
        {
            foreach (var m in manifests)
            {
                list.Add(Descriptor.FromJson(m, where));
            }
        }

        return list;
    }

    /// <summary>Changes index.json under the store lock: <paramref name="mutate"/> sees the current descriptors and returns true when it changed them.</summary>
    public void UpdateIndex(Func<List<Descriptor>, bool> mutate, CancellationToken cancellationToken = default)
    {
        using var l = Lock(cancellationToken);
        UpdateIndexLocked(mutate);
    }

    /// <summary>
    /// Throws (BlobVanished), for a caller that holds the lock, unless a manifest and everything it
    /// references (config, layers, and each DiffID's blob and index) is in the store: what every change
    /// that names an image in index.json checks first, so the collector cannot leave a dangling name.
    /// </summary>
    /// <param name="when">What was to happen, for the message ("the image was committed").</param>
    public void RequireCompleteLocked(string manifestDigest, string when)
    {
        var missing = new List<string>();
        if (!HasBlob(manifestDigest))
        {
            missing.Add(manifestDigest);
        }
        else
        {
            var manifest = ManifestDocument.Parse(ReadBlob(manifestDigest, IngestLimits.Default.MaxConfigBytes), manifestDigest);
            missing.AddRange(HasBlob(manifest.Config.Digest) ? [] : [manifest.Config.Digest]);
            if (missing.Count == 0)
            {
                // The store reads layers by DiffID (a pulled manifest names the registry's compressed
                // blobs): each DiffID's uncompressed blob and its index must be there too, or the
                // layer is a remote layer (a record says which registry blob holds it).
                var config = ConfigDocument.Parse(ReadBlob(manifest.Config.Digest, IngestLimits.Default.MaxConfigBytes), manifest.Config.Digest);
                for (var i = 0; i < manifest.Layers.Count; i++)
                {
                    var diffId = i < config.DiffIds.Count ? config.DiffIds[i] : null;
                    // A packed layer (a record, and the blob it names here) is not unpacked yet either.
                    var covered = diffId is not null && RemoteLayers.Covers(this, diffId, manifest.Layers[i].Digest);
                    missing.AddRange(covered || HasBlob(manifest.Layers[i].Digest) ? [] : [manifest.Layers[i].Digest]);
                    if (diffId is not null && !covered)
                    {
                        missing.AddRange(HasBlob(diffId) ? [] : [diffId]);
                        missing.AddRange(File.Exists(LayerIndexPath(diffId)) ? [] : [LayerIndexPath(diffId)]);
                    }
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new LayerToolsException("BlobVanished", ErrorKind.InvalidOperation, $"'{missing[0]}', which image {manifestDigest} references, left the store before {when}; index.json was not changed. Try again.", missing[0]);
        }
    }

    /// <summary>As <see cref="UpdateIndex"/>, for a caller that holds the lock.</summary>
    public void UpdateIndexLocked(Func<List<Descriptor>, bool> mutate)
    {
        var index = ReadIndexJson();
        var descriptors = ManifestDescriptors(index, IndexJsonPath);
        if (!mutate(descriptors))
        {
            return;
        }

        index["manifests"] = new JsonArray(descriptors.Select(d => (JsonNode)d.ToJson()).ToArray());
        WriteIndexJson(index);
    }

    /// <summary>
    /// Writes index.json durably: the names it may refer to (blobs, layer indexes, remote-layer records,
    /// renamed into place after their data was flushed to disk, by this command or another) are made
    /// durable first, one fsync per folder, and index.json's own name after its rename; so after a power
    /// loss index.json is the old one or the new one, and names nothing missing or empty.
    /// </summary>
    private void WriteIndexJson(JsonObject index)
    {
        AtomicFile.SyncFolder(BlobsDir);
        AtomicFile.SyncFolder(IndexesDir);
        if (Directory.Exists(RemoteLayers.Folder(this)))
        {
            AtomicFile.SyncFolder(RemoteLayers.Folder(this));
        }

        WriteFile(IndexJsonPath, JsonDocuments.ToUtf8Bytes(index, indented: true));
        AtomicFile.SyncFolder(Root);
    }

    /// <summary>Writes one of the store's files atomically (through tmp/), with the store's file mode.</summary>
    public void WriteFile(string path, ReadOnlySpan<byte> bytes) => AtomicFile.WriteAllBytes(path, bytes, TmpDir, Access);

    /// <summary>As <see cref="WriteFile(string, ReadOnlySpan{byte})"/>, the content written by <paramref name="write"/> as it is made.</summary>
    public void WriteFile(string path, Action<Stream> write) => AtomicFile.Write(path, write, TmpDir, Access);

    /// <summary>A staging area; with <paramref name="lease"/>, one of several of an operation that holds what they all use.</summary>
    public StagingArea BeginStaging(Lease? lease = null) => new(this, lease);

    /// <summary>A lease for an operation that spans several staging areas (a build) or reads blobs it must keep (an export).</summary>
    public Lease AcquireLease() => Lease.Acquire(this);

    /// <summary>Every blob file in the store, by digest.</summary>
    public IEnumerable<string> EnumerateBlobs()
    {
        if (!Directory.Exists(BlobsDir))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(BlobsDir))
        {
            var digest = Digest.Sha256Prefix + Path.GetFileName(file);
            if (Digest.IsValid(digest))
            {
                yield return digest;
            }
        }
    }

    public override string ToString() => Root;
}
