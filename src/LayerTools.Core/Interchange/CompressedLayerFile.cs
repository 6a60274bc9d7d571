using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// A layer's compressed form written to the store's staging area and checked against its DiffID
/// (<see cref="CompressedLayerCache.Compress"/>), not yet in the store: <see cref="Commit"/> flushes it
/// to disk and moves it into the store with its record; disposing removes it when it was not committed.
/// </summary>
internal sealed class CompressedLayerFile : IDisposable
{
    private readonly LayerStore _store;
    private readonly string _diffId;
    private readonly LayerCompression _compression;
    private readonly string _tmp;
    private readonly FileStream _file;
    private readonly Lease? _lease;

    public CompressedLayerFile(LayerStore store, string diffId, LayerCompression compression, string tmp, FileStream file, Descriptor blob, Lease? lease)
    {
        _store = store;
        _diffId = diffId;
        _compression = compression;
        _tmp = tmp;
        _file = file;
        Blob = blob;
        _lease = lease;
    }

    /// <summary>The compressed blob: its media type, digest and size.</summary>
    public Descriptor Blob { get; }

    /// <summary>
    /// Flushes the file to disk (while <paramref name="syncAlongside"/>, an export's own copy, is flushed
    /// on another thread), then, under the store lock, moves it into the store and remembers it as the
    /// layer's compressed form: Optimize-LayerStore, which collects under the same lock, never sees the
    /// blob without the record that keeps it. When either flush throws, nothing is kept.
    /// </summary>
    public Descriptor Commit(Action? syncAlongside, CancellationToken cancellationToken)
    {
        CompressedLayerCache.FlushToDisk(_file, syncAlongside);
        _file.Dispose();
        using (_store.Lock(cancellationToken))
        {
            _lease?.HoldLocked(Blob.Digest);
            AtomicFile.MoveIntoPlace(_tmp, _store.BlobPath(Blob.Digest), _store.Access);
            CompressedLayerCache.Remember(_store, _diffId, _compression, Blob.Digest, Blob.Size);
        }

        return Blob;
    }

    public void Dispose()
    {
        _file.Dispose();
        AtomicFile.TryDelete(_tmp);
    }
}
