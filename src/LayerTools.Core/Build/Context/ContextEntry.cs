using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Context;

/// <summary>A file of the build context, as stat saw it (nothing read yet).</summary>
internal sealed class ContextEntry
{
    /// <summary>'/'-separated path relative to the context root.</summary>
    public required string Path { get; init; }

    public required EntryType Type { get; init; }

    public required int Mode { get; init; }

    public long Size { get; init; }

    public long ModifiedTime { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>The host path, for reading.</summary>
    public required string FullPath { get; init; }
}
