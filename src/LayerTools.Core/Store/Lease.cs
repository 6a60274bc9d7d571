namespace LayerTools.Core.Store;

/// <summary>
/// A lease: what one running operation (an import, a build, a commit, an export) holds in the store
/// so that the collector leaves it alone, as containerd's leases keep in-flight content from its
/// garbage collector. On disk, under layertools/leases/:
/// <list type="bullet">
/// <item><c>&lt;id&gt;.lock</c>, held open with an exclusive lock (flock on Unix, the share mode on
/// Windows) for as long as the operation runs. The lock dies with the process, so a lease whose lock
/// can be taken belongs to no one: its owner finished or was killed.</item>
/// <item><c>&lt;id&gt;.held</c>, the digests the operation stages or reuses, one a line, appended under
/// the store lock after which the operation checks that the blob is there. The collector reads
/// every live lease under the same lock, so a blob is either seen as held or already gone when
/// the operation looks for it: never deleted after it was found.</item>
/// </list>
/// The operation's scratch files live in layertools/tmp/&lt;id&gt;/, owned by the same lock: the
/// next command that takes the store lock reclaims the folder of a dead lease at once (see
/// <see cref="LeaseSweeper"/>). Released on dispose (after a commit or an abort).
/// </summary>
internal sealed class Lease : IDisposable
{
    private readonly LayerStore _store;
    private readonly FileStream _lock;
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private bool _disposed;

    private Lease(LayerStore store, string id, FileStream handle)
    {
        _store = store;
        Id = id;
        _lock = handle;
    }

    public string Id { get; }

    /// <summary>This operation's scratch folder, layertools/tmp/&lt;id&gt;/ (made on first use).</summary>
    public string TmpDir => Path.Combine(_store.TmpDir, Id);

    private string HeldPath => LeaseSweeper.HeldPath(_store, Id);

    /// <summary>Takes a new lease on <paramref name="store"/> for the calling operation.</summary>
    public static Lease Acquire(LayerStore store)
    {
        // What a killed operation left goes before this one starts, whether or not it takes the store lock.
        store.TryReclaim();
        var dir = LeaseSweeper.LeasesDir(store);
        store.Access.CreateFolder(dir);
        for (var attempt = 0; ; attempt++)
        {
            var id = Guid.NewGuid().ToString("N");
            var fresh = Path.Combine(dir, id + LeaseSweeper.NewSuffix);
            try
            {
                // Locked before it gets its name, so the collector never sees an unlocked live lease.
                // The store's file mode, so the members of a shared store can probe it.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None, BufferSize = 1 };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = store.Access.FileMode;
                }

                var handle = new FileStream(fresh, options);
                try
                {
                    File.Move(fresh, LeaseSweeper.LockPath(store, id));
                }
                catch
                {
                    handle.Dispose();
                    throw;
                }

                return new Lease(store, id, handle);
            }
            catch (IOException) when (attempt < 3)
            {
                // Another process opened the new file in the instant before it was locked (or a sweeper
                // took it for a dead one's and removed it): try another name.
                AtomicFile.TryDelete(fresh);
            }
        }
    }

    /// <summary>
    /// Holds <paramref name="digest"/> for this operation and tells whether the store has the blob.
    /// True means it stays until the lease is released, whatever the collector does meanwhile.
    /// </summary>
    public bool TryHold(string digest, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var l = _store.Lock(cancellationToken);
        HoldLocked(digest);
        return _store.HasBlob(digest);
    }

    /// <summary>As <see cref="TryHold"/>, for a caller that holds the store lock.</summary>
    public void HoldLocked(string digest)
    {
        if (_held.Add(digest))
        {
            if (_held.Count == 1)
            {
                _store.Access.CreateFile(HeldPath).Dispose();
            }

            File.AppendAllText(HeldPath, digest + "\n");
        }
    }

    /// <summary>Holds every one of <paramref name="digests"/>; throws when the store lacks one.</summary>
    public void Hold(IEnumerable<string> digests, string what, CancellationToken cancellationToken = default)
    {
        foreach (var digest in digests)
        {
            if (!TryHold(digest, cancellationToken))
            {
                throw new LayerToolsException("BlobNotFound", ErrorKind.ObjectNotFound, $"Blob {digest}, {what}, is missing from the store '{_store.Root}'; run Test-LayerStore.", digest);
            }
        }
    }

    /// <summary>A new path in this operation's scratch folder.</summary>
    public string NewTmpPath(string prefix)
    {
        // The store's folder mode (setgid in a shared store, so what is staged here keeps the store's
        // group); what holds image content (a RUN's folder, an extraction) is made owner-only inside.
        _store.Access.CreateFolder(TmpDir);

        return Path.Combine(TmpDir, prefix + "-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>
    /// The name of a temporary file this operation writes outside the store (an export beside its
    /// destination): hidden, carrying the lease id, and recorded in the scratch folder, so that the
    /// next command removes it when the operation was killed before it could.
    /// </summary>
    public string OwnedPathBeside(string path)
    {
        var owned = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + OwnedMarker + ".tmp");
        _store.Access.CreateFolder(TmpDir);
        var record = Path.Combine(TmpDir, LeaseSweeper.OutsideRecord);
        if (!File.Exists(record))
        {
            _store.Access.CreateFile(record).Dispose();
        }

        File.AppendAllText(record, owned + "\n");
        return owned;
    }

    /// <summary>What every name from <see cref="OwnedPathBeside"/> carries.</summary>
    public string OwnedMarker => ".layertools-" + Id;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        LeaseSweeper.RemoveScratch(TmpDir, dead: false);
        AtomicFile.TryDelete(HeldPath);
        AtomicFile.TryDelete(LeaseSweeper.LockPath(_store, Id));
        _lock.Dispose();
    }
}
