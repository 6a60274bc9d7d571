using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Takes one layer blob into a staging area in a single read, from an archive or a registry: the
/// blob's bytes are hashed (and, when compressed, kept as the layer's compressed form) on one core
/// while the reader's core decompresses the tar and hashes each file, and a third hashes the tar
/// (its DiffID) and writes it; nothing is read back. Both files go to disk as they are written
/// (<see cref="WriteBehindStream"/>) and are flushed to disk before the layer can be kept. A scan
/// needs no layer below, so a pull reads its
/// layers side by side and makes each index afterwards, in layer order (<see cref="ScannedLayer.Keep"/>).
/// The source need not be seekable.
/// </summary>
internal static class LayerIngest
{
    /// <summary>How much of the blob is asked for at a time (a tar header or a decompressor's read is served from it).</summary>
    private const int ReadSize = 1 << 16;

    /// <summary>Scans the blob and stages it over <paramref name="lower"/> (see <see cref="Scan"/>).</summary>
    public static IngestedLayer Ingest(StagingArea staging, Stream blob, LayerCompression compression, string where, string? expectedDigest, long? expectedSize, ILowerView lower, IngestLimits limits, CancellationToken cancellationToken) =>
        Scan(staging, blob, compression, where, expectedDigest, expectedSize, limits, cancellationToken).Keep(staging, lower);

    /// <summary>
    /// Reads the blob once into files of the staging area: its tar (the blob itself when uncompressed)
    /// and the compressed blob as it came; its digest and size are checked once it is read, before the
    /// layer can be kept, and an altered blob is reported as such even when it holds no readable tar.
    /// </summary>
    /// <param name="blob">The blob as stored or sent (compressed or not), read to its end.</param>
    /// <param name="expectedDigest">The digest the descriptor gives the blob; checked once it is read.</param>
    /// <param name="expectedSize">The size the descriptor gives; more bytes than this are refused as they arrive (a registry's blob stream refuses them itself when uncompressed).</param>
    /// <param name="keepCompressed">False when the compressed blob is in the store already (a packed layer unpacked): it is hashed, not written again.</param>
    public static ScannedLayer Scan(StagingArea staging, Stream blob, LayerCompression compression, string where, string? expectedDigest, long? expectedSize, IngestLimits limits, CancellationToken cancellationToken, bool keepCompressed = true)
    {
        // CreateTempPath makes the (empty) files with the store's modes: open them, do not create them anew.
        var tarPath = staging.CreateTempPath();
        var keptPath = compression == LayerCompression.None || !keepCompressed ? null : staging.CreateTempPath();
        try
        {
            LayerScan scan;
            string digest;
            long size;
            using (var tar = new FileStream(tarPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                if (compression == LayerCompression.None)
                {
                    // The blob is the tar: its digest is the DiffID, hashed once.
                    using var buffered = new BufferedStream(blob, ReadSize);
                    scan = LayerIndexer.Scan(buffered, new WriteBehindStream(tar), where, limits, readPastCorruption: expectedDigest is not null, cancellationToken);
                    (digest, size) = (scan.DiffId, scan.Size);
                    if (scan.Failure is { } corrupt && expectedDigest is not null && digest != expectedDigest)
                    {
                        throw Mismatch(where, digest, expectedDigest, corrupt);
                    }
                }
                else if (keptPath is null)
                {
                    (scan, digest, size) = ScanCompressed(blob, Stream.Null, new WriteBehindStream(tar), compression, where, expectedDigest, expectedSize, limits, cancellationToken);
                }
                else
                {
                    using var kept = new FileStream(keptPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                    (scan, digest, size) = ScanCompressed(blob, new WriteBehindStream(kept), new WriteBehindStream(tar), compression, where, expectedDigest, expectedSize, limits, cancellationToken);
                    kept.Flush(flushToDisk: true);
                }

                tar.Flush(flushToDisk: true);
            }

            CheckReceived(where, digest, size, expectedDigest, expectedSize);
            if (scan.Failure is { } failure)
            {
                throw failure;
            }

            return new ScannedLayer(scan, tarPath, keptPath, compression, digest, size);
        }
        catch
        {
            AtomicFile.TryDelete(tarPath);
            if (keptPath is not null)
            {
                AtomicFile.TryDelete(keptPath);
            }

            throw;
        }
    }

    /// <summary>
    /// Reads a compressed layer blob once, as <see cref="Scan"/> does, under the same limits and tar
    /// rules, and writes nothing: the DiffID it inflates to (Test-LayerStore's check of a packed layer,
    /// before any unpack needs it). A blob whose bytes are not <paramref name="expectedDigest"/> is
    /// DigestMismatch; one that cannot be inflated, or inflates past the limits, throws as an unpack would.
    /// </summary>
    public static string Inflate(Stream blob, LayerCompression compression, string where, string expectedDigest, IngestLimits limits, CancellationToken cancellationToken)
    {
        var (scan, digest, size) = ScanCompressed(blob, Stream.Null, Stream.Null, compression, where, expectedDigest, null, limits, cancellationToken);
        CheckReceived(where, digest, size, expectedDigest, null);
        return scan.Failure is { } failure ? throw failure : scan.DiffId;
    }

    /// <summary>Hashes and keeps the compressed bytes (on a second core) while their tar is decompressed and scanned.</summary>
    private static (LayerScan Scan, string Digest, long Size) ScanCompressed(Stream blob, Stream kept, Stream tar, LayerCompression compression, string where, string? expectedDigest, long? expectedSize, IngestLimits limits, CancellationToken cancellationToken)
    {
        // One byte over the promised size is enough to know the source lies.
        var limit = expectedSize is { } promised ? promised + 1 : long.MaxValue;
        using var hashing = new HashingStream(blob, kept, leaveOpen: true, limit: limit, onSecondCore: true);

        // A decompressor asks for 8 KiB at a time: a registry's socket is read (and the bytes handed on) in larger pieces.
        using var buffered = new BufferedStream(hashing, ReadSize);
        LayerScan scan;
        try
        {
            using (var decompressed = LayerCodec.OpenDecompressed(buffered, compression))
            {
                scan = LayerIndexer.Scan(decompressed, tar, where, limits, cancellationToken: cancellationToken);
            }

            hashing.Drain();
        }
        catch (Exception ex) when (LayerCodec.IsCorruption(ex))
        {
            throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{where}' cannot be decompressed ({LayerCodec.Name(compression)}): {ex.Message}", where, ex);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "SizeLimitExceeded" && hashing.BytesRead > expectedSize)
        {
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the blob is larger than the {expectedSize} bytes the manifest says.", where, ex);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "CorruptLayer" && expectedDigest is not null)
        {
            // A damaged tar in a blob that is not the one the manifest names: the altered blob is the finding.
            hashing.Drain();
            if (hashing.Digest != expectedDigest)
            {
                throw Mismatch(where, hashing.Digest, expectedDigest, ex);
            }

            throw;
        }

        return (scan, hashing.Digest, hashing.BytesRead);
    }

    /// <summary>A received blob against what its manifest says: DigestMismatch, else SizeMismatch (a null expectation is not checked).</summary>
    public static void CheckReceived(string where, string digest, long size, string? expectedDigest, long? expectedSize)
    {
        if (expectedDigest is not null && digest != expectedDigest)
        {
            throw Mismatch(where, digest, expectedDigest, null);
        }

        if (expectedSize is not null && size != expectedSize)
        {
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the blob is {size} bytes, not {expectedSize} as the manifest says.", where);
        }
    }

    private static LayerToolsException Mismatch(string where, string actual, string expected, Exception? inner) =>
        new("DigestMismatch", ErrorKind.InvalidData, $"'{where}': the blob's digest is {actual}, not {expected} as the manifest says; it was damaged or altered.", where, inner);
}
