using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// A layer tar read once without the layers below it (<see cref="LayerIndexer.Scan"/>): its DiffID,
/// size, and each tar entry with its data's digest, in tar order. The entry index needs the layers
/// below (paths beneath symbolic links, hard links), so it is made afterwards, in layer order, by
/// <see cref="Resolve"/>, which reads no data: layers of one pull are read side by side.
/// </summary>
internal sealed class LayerScan
{
    private readonly List<(TarEntryHeader Header, string? Digest)> _entries;
    private readonly string _source;
    private readonly IngestLimits _limits;

    public LayerScan(string source, IngestLimits limits, string diffId, long size, List<(TarEntryHeader Header, string? Digest)> entries, LayerToolsException? failure)
    {
        Failure = failure;
        _source = source;
        _limits = limits;
        DiffId = diffId;
        Size = size;
        _entries = entries;
    }

    /// <summary>Why the tar could not be read (CorruptLayer), when the scan read past it; <see cref="Resolve"/> throws it.</summary>
    public LayerToolsException? Failure { get; }

    /// <summary>The digest of the uncompressed tar.</summary>
    public string DiffId { get; }

    /// <summary>Bytes in the uncompressed tar.</summary>
    public long Size { get; }

    /// <summary>The entry index over <paramref name="lower"/>, the view of the layers below; the layer's names are checked here, as <see cref="LayerIndexer.Ingest"/> checks them.</summary>
    public LayerIndex Resolve(ILowerView? lower)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        var builder = new LayerIndexBuilder(_source, _limits, lower);
        foreach (var (header, digest) in _entries)
        {
            if (builder.Add(header) is { Type: EntryType.File } entry && digest is not null)
            {
                entry.Digest = digest;
            }
        }

        return builder.Finish(DiffId, Size);
    }
}
