using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// The one compressed form the store keeps per layer and compression: the blob lives in
/// <c>blobs/sha256/</c> like any other, and <c>layertools/compressed/&lt;gzip|zstd&gt;/&lt;DiffID hex&gt;.json</c>
/// records which blob it is. A layer is compressed once; later exports (and pushes) reuse the same
/// bytes, so its digest stays the same. An import of a compressed layer records the form it came in.
/// The records are a cache: a record whose blob is gone is ignored and made again. This class alone
/// reads and writes them; garbage collection asks <see cref="Records"/> which blob each one keeps.
/// </summary>
internal static class CompressedLayerCache
{
    public static string RecordPath(LayerStore store, string diffId, LayerCompression compression) =>
        Path.Combine(store.DataDir, "compressed", LayerCodec.Name(compression), Digest.Hex(diffId) + ".json");

    /// <summary>The remembered compressed form of a layer, when its blob is still in the store.</summary>
    public static Descriptor? TryGet(LayerStore store, string diffId, LayerCompression compression)
    {
        var path = RecordPath(store, diffId, compression);
        if (!File.Exists(path))
        {
            return null;
        }

        var record = Read(path);
        if (record is null || record.Value.DiffId != diffId || !store.HasBlob(record.Value.Digest) || store.BlobSize(record.Value.Digest) != record.Value.Size)
        {
            return null;
        }

        return new Descriptor(LayerCodec.MediaType(compression), record.Value.Digest, record.Value.Size);
    }

    /// <summary>
    /// Every record in the store: its file, and the layer and blob it names (null when the record is
    /// unreadable, which makes it stale).
    /// </summary>
    public static IEnumerable<(string Path, string? DiffId, string? Digest)> Records(LayerStore store)
    {
        var directory = Path.Combine(store.DataDir, "compressed");
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var compression in new[] { LayerCompression.Gzip, LayerCompression.Zstd })
        {
            var folder = Path.Combine(directory, LayerCodec.Name(compression));
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                var record = Read(path);
                var named = Digest.Sha256Prefix + Path.GetFileNameWithoutExtension(path);
                yield return record is { } r && r.DiffId == named ? (path, r.DiffId, r.Digest) : (path, null, null);
            }
        }
    }

    private static (string DiffId, string Digest, long Size)? Read(string path)
    {
        try
        {
            var record = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject;
            var diffId = (string?)record?["diffId"];
            var digest = (string?)record?["digest"];
            var size = record?["size"]?.GetValue<long>();
            return Digest.IsValid(diffId) && Digest.IsValid(digest) && size is not null ? (diffId!, digest!, size.Value) : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or IOException)
        {
            return null;
        }
    }

    /// <summary>Records that <paramref name="digest"/> (already in the store) is the <paramref name="compression"/> form of layer <paramref name="diffId"/>.</summary>
    public static void Remember(LayerStore store, string diffId, LayerCompression compression, string digest, long size)
    {
        var record = new JsonObject
        {
            ["diffId"] = diffId,
            ["compression"] = LayerCodec.Name(compression),
            ["digest"] = digest,
            ["size"] = size,
        };
        var path = RecordPath(store, diffId, compression);
        store.Access.CreateFolder(Path.GetDirectoryName(path)!);
        store.WriteFile(path, JsonDocuments.ToUtf8Bytes(record));
    }

    /// <summary>
    /// Remembers each layer's compressed form as it came in (an archive's or a registry's blob, checked
    /// against the layer's DiffID when it was inflated; an uncompressed one is skipped), so a push or
    /// export sends the same blob back. Only a cache: one that cannot be written is compressed again then.
    /// </summary>
    public static void Remember(LayerStore store, IEnumerable<IngestedLayer> forms)
    {
        foreach (var form in forms.Where(f => f.Compression != LayerCompression.None))
        {
            try
            {
                Remember(store, form.Index.DiffId, form.Compression, form.Digest, form.Size);
            }
            catch (IOException)
            {
                // Only a cache: a push compresses the layer again.
            }
        }
    }

    /// <summary>The compressed form of a layer: the remembered one, or a new one made now (the layer is read once, and checked against its DiffID as it is).</summary>
    public static Descriptor GetOrCreate(LayerStore store, string diffId, LayerCompression compression, Action<long>? progress = null, CancellationToken cancellationToken = default, Lease? lease = null) =>
        TryGet(store, diffId, compression) ?? Create(store, diffId, compression, null, progress, cancellationToken, lease);

    /// <summary>
    /// Compresses a layer into the store and remembers it, whatever is remembered already. The
    /// compressed bytes also go to <paramref name="alsoTo"/> as they are made (a streamed upload):
    /// the store keeps what the registry was sent, so the next push or export reuses it. When
    /// <paramref name="alsoTo"/> fails part-way nothing is kept; compressing again gives the same bytes.
    /// The store's copy goes to disk as it is written (<see cref="WriteBehindStream"/>) and is flushed
    /// to disk before it is recorded; <paramref name="syncAlongside"/> (an export flushing its own copy of
    /// the blob to disk) runs at the same time as that flush, and the record is made only once both ended
    /// (when it throws, nothing is kept).
    /// </summary>
    public static Descriptor Create(LayerStore store, string diffId, LayerCompression compression, Stream? alsoTo, Action<long>? progress, CancellationToken cancellationToken, Lease? lease = null, Action? syncAlongside = null)
    {
        using var written = Compress(store, diffId, compression, alsoTo, progress, cancellationToken, lease);
        return written.Commit(syncAlongside, cancellationToken);
    }

    /// <summary>
    /// The first half of <see cref="Create"/>: the layer compressed into a file of the store's staging
    /// area (and to <paramref name="alsoTo"/>), checked against its DiffID, not yet flushed to disk nor
    /// in the store. The caller commits it (<see cref="CompressedLayerFile.Commit"/>) when it likes — a
    /// streamed upload while the registry closes the upload, so the fsync is off the upload's path —
    /// and disposes it, which removes a file not committed.
    /// </summary>
    public static CompressedLayerFile Compress(LayerStore store, string diffId, LayerCompression compression, Stream? alsoTo, Action<long>? progress, CancellationToken cancellationToken, Lease? lease = null)
    {
        store.Access.CreateFolder(store.TmpDir);
        // Without a lease (a push), named by this process, so the next command removes it if the process was killed.
        var tmp = lease?.NewTmpPath("compress") ?? Path.Combine(store.TmpDir, "compress-" + Guid.NewGuid().ToString("N") + "." + ProcessIdentity.Current + ".tmp");
        FileStream? file = null;
        try
        {
            string digest;
            long size;
            string read;
            // Three stages, as skopeo's: this thread reads the layer into whole blocks and hashes it (its
            // DiffID); the blocks are compressed on all cores; one thread hashes the compressed bytes and
            // writes them (and to alsoTo). Reading straight into the blocks the compressor takes leaves
            // out a stage the layer's hash once had of its own, and two copies of every byte.
            using (var source = store.OpenBlob(diffId))
            {
                file = store.Access.CreateFile(tmp, 1 << 16);
                var local = new WriteBehindStream(file);
                using (var hashingOut = new PipelinedHashingWriteStream(alsoTo is null ? local : new TeeWriteStream(local, alsoTo), leaveOpen: true))
                {
                    using (var compressor = LayerCodec.OpenCompressor(hashingOut, compression))
                    using (var layerHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                    {
                        var blockSize = BlockCompressionStream.BlockSize(compression);
                        long total = 0;
                        while (true)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var block = ArrayPool<byte>.Shared.Rent(blockSize);
                            int n;
                            try
                            {
                                n = source.ReadAtLeast(block.AsSpan(0, blockSize), blockSize, throwOnEndOfStream: false);
                                layerHash.AppendData(block, 0, n);
                            }
                            catch
                            {
                                ArrayPool<byte>.Shared.Return(block);
                                throw;
                            }

                            if (n == 0)
                            {
                                ArrayPool<byte>.Shared.Return(block);
                                break;
                            }

                            // The block goes to the compressor as it is (no copy), and back to the pool from there.
                            compressor.WriteBlock(block, n);
                            total += n;
                            progress?.Invoke(total);
                            if (n < blockSize)
                            {
                                break;
                            }
                        }

                        read = Digest.FromHash(layerHash.GetHashAndReset());
                    }

                    digest = hashingOut.Digest;
                    size = hashingOut.BytesWritten;
                }

                local.Flush();
            }

            if (read != diffId)
            {
                throw new LayerToolsException("StoreCorrupt", ErrorKind.InvalidData, $"Layer {diffId} in the store '{store.Root}' does not match its DiffID (its content hashes to {read}); run Test-LayerStore.", diffId);
            }

            var written = new CompressedLayerFile(store, diffId, compression, tmp, file, new Descriptor(LayerCodec.MediaType(compression), digest, size), lease);
            file = null;
            return written;
        }
        catch
        {
            file?.Dispose();
            AtomicFile.TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Flushes <paramref name="file"/> to disk while <paramref name="alongside"/> runs on another thread
    /// (two files' fsyncs overlap instead of waiting one after the other); returns once both ended, and
    /// throws the store file's failure first, else the other's.
    /// </summary>
    internal static void FlushToDisk(FileStream file, Action? alongside)
    {
        if (alongside is null)
        {
            file.Flush(flushToDisk: true);
            return;
        }

        var other = Task.Run(alongside);
        try
        {
            file.Flush(flushToDisk: true);
        }
        finally
        {
            // Waits without throwing: the caller must not close the other file while it is being flushed.
            Task.WhenAny(other).Wait();
        }

        other.GetAwaiter().GetResult();
    }
}
