namespace LayerTools.Core.Images;

/// <summary>One record of an image's history, as <c>docker history</c> shows it.</summary>
public sealed class HistoryEntry
{
    /// <summary>The image this record belongs to (its reference).</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>Position in the history, 0 for the oldest record.</summary>
    public int Index { get; init; }

    public DateTimeOffset? Created { get; init; }

    public string? CreatedBy { get; init; }

    /// <summary>Bytes of the layer this record made (uncompressed), 0 for an empty layer.</summary>
    public long Size { get; init; }

    public string? Comment { get; init; }

    public string? Author { get; init; }

    public bool EmptyLayer { get; init; }

    /// <summary>The DiffID of the layer this record made; null for an empty layer.</summary>
    public string? LayerDiffId { get; init; }

    public override string ToString() => CreatedBy ?? string.Empty;
}
