using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Takes one layer blob into a staging area in a single read, from an archive or a registry: the
/// blob's bytes are hashed (and, when compressed, kept as the layer's compressed form) while the
/// decompressed tar is indexed and staged under its DiffID. The source need not be seekable.
/// </summary>
internal static class LayerIngest
{
    /// <param name="blob">The blob as stored or sent (compressed or not), read to its end.</param>
    /// <param name="expectedDigest">The digest the descriptor gives the blob; checked once it is read.</param>
    /// <param name="expectedSize">The size the descriptor gives; more bytes than this are refused as they arrive.</param>
    public static IngestedLayer Ingest(StagingArea staging, Stream blob, LayerCompression compression, string where, string? expectedDigest, long? expectedSize, ILowerView lower, IngestLimits limits, CancellationToken cancellationToken)
    {
        string? keptPath = null;
        try
        {
            FileStream? kept = null;
            if (compression != LayerCompression.None)
            {
                // CreateTempPath makes the (empty) file with the store's modes: open it, do not create it anew.
                keptPath = staging.CreateTempPath();
                kept = new FileStream(keptPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            }

            LayerIndex index;
            string digest;
            long size;
            using (kept)
            {
                // One byte over the promised size is enough to know the source lies.
                var limit = expectedSize is { } promised ? promised + 1 : long.MaxValue;
                using var hashing = new HashingStream(blob, kept, leaveOpen: true, limit: limit);
                try
                {
                    var tar = LayerCodec.OpenDecompressed(hashing, compression);
                    try
                    {
                        index = staging.AddLayer(tar, where, lower, limits, cancellationToken);
                    }
                    finally
                    {
                        if (!ReferenceEquals(tar, hashing))
                        {
                            tar.Dispose();
                        }
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

                digest = hashing.Digest;
                size = hashing.BytesRead;
                kept?.Flush(flushToDisk: true);
            }

            if (expectedDigest is not null && digest != expectedDigest)
            {
                throw Mismatch(where, digest, expectedDigest, null);
            }

            if (expectedSize is not null && size != expectedSize)
            {
                throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the blob is {size} bytes, not {expectedSize} as the manifest says.", where);
            }

            if (keptPath is not null)
            {
                staging.AdoptBlob(keptPath, digest);
                keptPath = null;
            }

            return new IngestedLayer(index, compression, digest, size);
        }
        finally
        {
            if (keptPath is not null)
            {
                AtomicFile.TryDelete(keptPath);
            }
        }
    }

    private static LayerToolsException Mismatch(string where, string actual, string expected, Exception? inner) =>
        new("DigestMismatch", ErrorKind.InvalidData, $"'{where}': the blob's digest is {actual}, not {expected} as the manifest says; it was damaged or altered.", where, inner);
}
