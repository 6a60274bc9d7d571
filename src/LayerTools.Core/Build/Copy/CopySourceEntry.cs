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
}
