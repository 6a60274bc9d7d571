using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Store;

/// <summary>
/// A private folder under layertools/tmp/ where an import or a build writes its blobs and layer
/// indexes. Nothing is visible in the store until <see cref="Commit"/> moves them into place and
/// updates index.json under the lock; disposing without a commit leaves the store as it was.
/// Every blob it stages or finds already in the store is held by its <see cref="Lease"/> (its own, or
/// the operation's that spans several staging areas), so the collector never removes one in between.
/// </summary>
internal sealed class StagingArea : IDisposable
{
    private readonly LayerStore _store;
    private readonly string _dir;
    private readonly Lease _lease;
    private readonly bool _ownsLease;
    private readonly Dictionary<string, string> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _indexes = new(StringComparer.Ordinal);
    private readonly List<RemoteLayer> _remote = [];

    /// <summary>Small staged files (layer indexes, configs, manifests) whose writeback was started but not yet waited for: flushed together before the commit.</summary>
    private readonly HashSet<string> _unflushed = new(StringComparer.Ordinal);
    private bool _committed;

    /// <param name="lease">The operation's lease; null to take one for this staging area alone.</param>
    public StagingArea(LayerStore store, Lease? lease = null)
    {
        _store = store;
        _ownsLease = lease is null;
        _lease = lease ?? Lease.Acquire(store);
        _dir = _lease.NewTmpPath("staging");
        store.Access.CreateFolder(_dir);
    }

    /// <summary>The lease that holds what this staging area uses.</summary>
    public Lease Lease => _lease;

    /// <summary>True when the blob is staged here or in the store; a blob found in the store is held from then on.</summary>
    public bool HasBlob(string digest) => _blobs.ContainsKey(digest) || (Digest.IsValid(digest) && _lease.TryHold(digest));

    /// <summary>
    /// A remote layer's blob (<see cref="RemoteLayers.Add"/>) recorded by the commit, under the store lock
    /// and before index.json changes (its check counts the record): a pull that fails or is stopped
    /// before its commit changes no record, and two pulls recording blobs of one DiffID at once both keep theirs.
    /// </summary>
    public void AddRemoteLayer(RemoteLayer layer) => _remote.Add(layer);

    /// <summary>Opens a blob staged here or already in the store.</summary>
    public Stream OpenBlob(string digest) =>
        _blobs.TryGetValue(digest, out var path) ? File.OpenRead(path) : _store.OpenBlob(digest);

    /// <summary>Copies a blob in while hashing it; checks the digest and size when they are known.</summary>
    public (string Digest, long Size) AddBlob(Stream source, string? expectedDigest, long? expectedSize, string where, long limit = long.MaxValue)
    {
        var tmp = NewFile();
        string digest;
        long size;
        using (var sink = _store.Access.CreateFile(tmp, 81920))
        {
            using var hashing = new HashingStream(source, sink, leaveOpen: true, limit: limit);
            hashing.Drain();
            digest = hashing.Digest;
            size = hashing.BytesRead;
            sink.Flush(flushToDisk: true);
        }

        if (expectedDigest is not null && digest != expectedDigest)
        {
            File.Delete(tmp);
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{where}': the content's digest is {digest}, not {expectedDigest} as its descriptor says.", where);
        }

        if (expectedSize is not null && size != expectedSize)
        {
            File.Delete(tmp);
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': {digest} is {size} bytes, not {expectedSize} as its descriptor says.", where);
        }

        Keep(digest, tmp);
        return (digest, size);
    }

    public string AddBytes(ReadOnlySpan<byte> bytes)
    {
        var digest = Digest.Of(bytes);

        // A blob the store has already (a no-op rebuild's config and manifest) is held, not written and synced again.
        if (_blobs.ContainsKey(digest) || _lease.TryHold(digest))
        {
            return digest;
        }

        var tmp = NewFile();
        using (var fs = _store.Access.CreateFile(tmp))
        {
            fs.Write(bytes);
            StartFlush(fs, tmp);
        }

        Keep(digest, tmp);
        return digest;
    }

    /// <summary>
    /// A new, empty file inside this staging area (with the store's file mode), for a blob the caller writes
    /// and hashes itself (see <see cref="AdoptBlob"/>): open it with <see cref="FileMode.Create"/>.
    /// </summary>
    public string CreateTempPath()
    {
        var path = NewFile();
        _store.Access.CreateFile(path).Dispose();
        return path;
    }

    /// <summary>Stages a file written at a path from <see cref="CreateTempPath"/> whose digest the caller computed while writing it.</summary>
    public void AdoptBlob(string tempPath, string digest)
    {
        RequireOwn(tempPath);

        Digest.Hex(digest);
        Keep(digest, tempPath);
    }

    /// <summary>
    /// Takes in an uncompressed layer tar in one pass: the blob (named by its DiffID), its digest and
    /// its entry index. <paramref name="lower"/> is the view of the layers below, for hard links and
    /// paths beneath symbolic links.
    /// </summary>
    public LayerIndex AddLayer(Stream tar, string where, ILowerView? lower = null, IngestLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var tmp = NewFile();
        LayerIndex index;
        using (var sink = _store.Access.CreateFile(tmp, 81920))
        {
            index = LayerIndexer.Ingest(tar, sink, where, limits, lower, cancellationToken);
            sink.Flush(flushToDisk: true);
        }

        return KeepLayer(index, tmp);
    }

    /// <summary>
    /// Stages an uncompressed layer tar written at a path from <see cref="CreateTempPath"/> whose
    /// index (and DiffID) the caller made while writing it (see Interchange's LayerIngest): kept where it is, never read back.
    /// </summary>
    public LayerIndex AdoptLayer(string tempPath, LayerIndex index)
    {
        RequireOwn(tempPath);
        Digest.Hex(index.DiffId);
        return KeepLayer(index, tempPath);
    }

    /// <summary>
    /// Makes a new layer: <paramref name="write"/> adds its entries to a <see cref="LayerTarWriter"/>,
    /// which builds the index on the way, so the new tar is written once and never read back.
    /// </summary>
    public LayerIndex AddLayer(Action<LayerTarWriter> write, long? sourceDateEpoch = null)
    {
        var tmp = NewFile();
        LayerIndex index;
        try
        {
            using var sink = _store.Access.CreateFile(tmp, 81920);
            using (var writer = new LayerTarWriter(sink, sourceDateEpoch))
            {
                write(writer);
                index = writer.Finish();
            }

            sink.Flush(flushToDisk: true);
        }
        catch
        {
            // A failed or cancelled writer (a RUN whose files vanished, a commit cancelled) leaves no half layer behind.
            AtomicFile.TryDelete(tmp);
            throw;
        }

        return KeepLayer(index, tmp);
    }

    /// <summary>Keeps a staged layer blob under its DiffID, with its entry index beside it.</summary>
    private LayerIndex KeepLayer(LayerIndex index, string tmp)
    {
        Keep(index.DiffId, tmp);
        if (!_indexes.ContainsKey(index.DiffId))
        {
            var indexTmp = NewFile();
            using (var fs = _store.Access.CreateFile(indexTmp))
            {
                index.WriteJson(fs);
                StartFlush(fs, indexTmp);
            }

            _indexes[index.DiffId] = indexTmp;
        }

        return index;
    }

    /// <summary>The index of a layer staged here, or of one already in the store.</summary>
    public LayerIndex ReadLayerIndex(string diffId)
    {
        if (_indexes.TryGetValue(diffId, out var path))
        {
            using var fs = File.OpenRead(path);
            return LayerIndex.FromJson(fs);
        }

        return _store.ReadLayerIndex(diffId);
    }

    /// <summary>
    /// Moves everything staged into the store and applies <paramref name="mutateIndex"/> to index.json, all under the store lock.
    /// Every staged file's data is on disk before it is named; the names are made durable before index.json names an image
    /// (<see cref="LayerStore.UpdateIndexLocked"/>), so a power loss never leaves index.json naming a missing or empty file.
    /// </summary>
    public void Commit(Func<List<Descriptor>, bool>? mutateIndex, CancellationToken cancellationToken = default)
    {
        // The small files' writeback was started when they were written: one fsync each now, before the lock.
        foreach (var path in _indexes.Values.Concat(_blobs.Values).Where(_unflushed.Contains))
        {
            AtomicFile.FlushToDisk(path);
        }

        _unflushed.Clear();

        // A Ctrl+C that came before the lock stops the commit (the lock does not look at a token
        // cancelled before it is asked); once under the lock the commit finishes.
        cancellationToken.ThrowIfCancellationRequested();
        var duplicates = new List<string>();
        using (_store.Lock(cancellationToken))
        {
            CommitLocked(mutateIndex, duplicates);
        }

        // A copy the store had already goes after the lock is let go: the store's own is held by the lease.
        foreach (var path in duplicates)
        {
            AtomicFile.TryDelete(path);
        }

        _committed = true;
    }

    private void CommitLocked(Func<List<Descriptor>, bool>? mutateIndex, List<string> duplicates)
    {
        foreach (var (diffId, path) in _indexes)
        {
            if (!AtomicFile.MoveIntoPlace(path, _store.LayerIndexPath(diffId), _store.Access))
            {
                duplicates.Add(path);
            }
        }

        foreach (var (digest, path) in _blobs)
        {
            _lease.HoldLocked(digest);
            if (!AtomicFile.MoveIntoPlace(path, _store.BlobPath(digest), _store.Access))
            {
                duplicates.Add(path);
            }
        }

        foreach (var layer in _remote)
        {
            RemoteLayers.Add(_store, layer);
        }

        if (mutateIndex is not null)
        {
            _store.UpdateIndexLocked(descriptors =>
            {
                var before = descriptors.Select(d => d.Digest).ToHashSet(StringComparer.Ordinal);
                var changed = mutateIndex(descriptors);
                if (changed)
                {
                    // Nothing is named in index.json unless all it references is in the store now, under the lock.
                    foreach (var added in descriptors.Where(d => !before.Contains(d.Digest)).Select(d => d.Digest).Distinct(StringComparer.Ordinal))
                    {
                        _store.RequireCompleteLocked(added, "the image was committed");
                    }
                }

                return changed;
            });
        }
    }

    public bool Committed => _committed;

    private void RequireOwn(string tempPath)
    {
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(tempPath)), _dir, StringComparison.Ordinal))
        {
            throw new ArgumentException("Only files created by CreateTempPath can be taken in.", nameof(tempPath));
        }
    }

    private string NewFile() => Path.Combine(_dir, Guid.NewGuid().ToString("N"));

    /// <summary>Starts the writeback of a small staged file just written; <see cref="Commit"/> flushes it to disk with the others.</summary>
    private void StartFlush(FileStream fs, string path)
    {
        fs.Flush();
        WriteBehindStream.StartWriteback(fs);
        _unflushed.Add(path);
    }

    /// <summary>
    /// Keeps a staged blob, or drops it when this staging area or the store has it already: then the
    /// store's copy is held by the lease first, under the lock, so the collector cannot take it before the commit.
    /// </summary>
    private void Keep(string digest, string tmp)
    {
        if (_blobs.ContainsKey(digest) || _lease.TryHold(digest))
        {
            File.Delete(tmp);
            return;
        }

        _blobs[digest] = tmp;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        if (_ownsLease)
        {
            _lease.Dispose();
        }
    }
}
