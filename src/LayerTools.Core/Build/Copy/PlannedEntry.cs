using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Copy;

/// <summary>One entry the COPY layer will hold: where it goes and with what metadata; <see cref="Source"/> is null for a directory the copy implies.</summary>
internal sealed class PlannedEntry
{
    public required string Path { get; init; }

    public required EntryType Type { get; init; }

    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    public long ModifiedTime { get; init; }

    public string? LinkTarget { get; init; }

    public CopySourceEntry? Source { get; init; }
}
