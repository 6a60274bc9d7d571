using System.Security.Cryptography;
using LayerTools.Core.Digests;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Reads an uncompressed layer tar once: copies every byte to the sink and computes the DiffID (both
/// on a second core), and hashes each file's data and records each entry on the way through; the
/// entry index is made from those records by <see cref="LayerIndexBuilder"/>, with the security
/// rules of formats.md applied to every name: at once (<see cref="Ingest"/>), or afterwards over the
/// layers below once they are known (<see cref="Scan"/>, then <see cref="LayerScan.Resolve"/>).
/// </summary>
internal static class LayerIndexer
{
    public static LayerIndex Ingest(Stream tar, Stream sink, string source, IngestLimits? limits = null, ILowerView? lower = null, CancellationToken cancellationToken = default)
    {
        limits ??= IngestLimits.Default;
        var builder = new LayerIndexBuilder(source, limits, lower);
        var (diffId, size, _) = Read(tar, sink, source, limits, header => builder.Add(header) is { Type: EntryType.File } entry ? digest => entry.Digest = digest : null, readPastCorruption: false, cancellationToken);
        return builder.Finish(diffId, size);
    }

    /// <summary>Reads the tar once, as <see cref="Ingest"/> does, but leaves the entry index to <see cref="LayerScan.Resolve"/>, which needs no layer below until then.</summary>
    /// <param name="readPastCorruption">When the tar is not readable, read the rest of it all the same, so the scan's DiffID is the digest of every byte (an uncompressed blob checked against its descriptor: an altered blob is the finding, not the damaged tar it holds); the scan then holds the error (<see cref="LayerScan.Failure"/>).</param>
    public static LayerScan Scan(Stream tar, Stream sink, string source, IngestLimits? limits = null, bool readPastCorruption = false, CancellationToken cancellationToken = default)
    {
        limits ??= IngestLimits.Default;
        var entries = new List<(TarEntryHeader Header, string? Digest)>();
        var (diffId, size, failure) = Read(tar, sink, source, limits, header =>
        {
            // Duplicates count here (the index keeps the last of them): the records held stay bounded.
            if (entries.Count >= limits.MaxEntries)
            {
                throw new LayerToolsException("TooManyEntries", ErrorKind.LimitsExceeded, $"'{source}': the layer has more than {limits.MaxEntries} entries (entry '{header.Name}' is one too many).", source);
            }

            var at = entries.Count;
            entries.Add((header, null));
            return digest => entries[at] = (header, digest);
        }, readPastCorruption, cancellationToken);
        return new LayerScan(source, limits, diffId, size, entries, failure);
    }

    /// <summary>Reads the tar to its end; <paramref name="onEntry"/> takes each entry and gives where its data's digest goes (null: not wanted).</summary>
    private static (string DiffId, long Size, LayerToolsException? Failure) Read(Stream tar, Stream sink, string source, IngestLimits limits, Func<TarEntryHeader, Action<string>?> onEntry, bool readPastCorruption, CancellationToken cancellationToken)
    {
        TarHeaderReader? reader = null;
        using var counting = new HashingStream(tar, sink, leaveOpen: true, limit: limits.MaxLayerBytes, overLimit: () =>
            $"'{source}': the layer passes {limits.LayerLimitText} at {TarHeaderReader.LocationOf(reader)}.", onSecondCore: true);
        var buffer = new byte[81920];
        try
        {
            reader = new TarHeaderReader(counting, source, limits);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tarEntry = reader.Next();
                if (tarEntry is null)
                {
                    break;
                }

                var digestTo = onEntry(tarEntry);
                if (digestTo is not null && tarEntry.EntryType == EntryType.File)
                {
                    digestTo(HashData(tarEntry.Data, buffer));
                }
            }

            counting.Drain();
        }
        catch (InvalidDataException ex)
        {
            var corrupt = new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{source}' is not a readable tar at {TarHeaderReader.LocationOf(reader)}: {ex.Message}", source, ex);
            if (!readPastCorruption)
            {
                throw corrupt;
            }

            counting.Drain();
            return (counting.Digest, counting.BytesRead, corrupt);
        }

        return (counting.Digest, counting.BytesRead, null);
    }

    private static string HashData(Stream data, byte[] buffer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int n;
        while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        return Digest.FromHash(hash.GetHashAndReset());
    }
}
