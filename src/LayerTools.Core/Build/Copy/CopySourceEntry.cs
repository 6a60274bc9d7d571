using LayerTools.Core.Build.Context;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Copy;

/// <summary>A file a COPY can take: from the build context or from another stage's or image's files.</summary>
internal sealed class CopySourceEntry
{
    /// <summary>'/'-separated path relative to the source's root ("" for the root).</summary>
    public required string Path { get; init; }

    public required EntryType Type { get; init; }

    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    public long Size { get; init; }

    public long ModifiedTime { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>Entries with the same key are hard links of one file (context files only; null when the file has one link).</summary>
    public string? HardLinkKey { get; init; }

    /// <summary>The build-context entry this one was made from (null for a stage's or an image's files), so its digest is found without a lookup.</summary>
    public ContextEntry? Scanned { get; init; }
}
