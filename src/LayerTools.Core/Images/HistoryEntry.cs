namespace LayerTools.Core.Images;

/// <summary>One record of an image's history, as <c>docker history</c> shows it.</summary>
public sealed class HistoryEntry
{
    /// <summary>The image this record belongs to (its reference).</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>As <c>docker history</c>'s IMAGE column: the image ID (its config digest) on the newest record, <c>&lt;missing&gt;</c> on the records below it.</summary>
    public string ImageId { get; init; } = MissingId;

    /// <summary>What <c>docker history</c> shows for a record that is not an image of its own.</summary>
    public const string MissingId = "<missing>";

    /// <summary>Position in the history, 0 for the oldest record.</summary>
    public int Index { get; init; }

    public DateTimeOffset? Created { get; init; }

    public string? CreatedBy { get; init; }

    /// <summary>
    /// The content bytes of the layer this record made, as <c>docker history</c> counts them for a
    /// layer BuildKit made: its regular files' sizes (a hard-linked file once), not the tar's size; 0
    /// for an empty layer.
    /// </summary>
    public long Size { get; init; }

    public string? Comment { get; init; }

    public string? Author { get; init; }

    public bool EmptyLayer { get; init; }

    /// <summary>The DiffID of the layer this record made; null for an empty layer.</summary>
    public string? LayerDiffId { get; init; }

    /// <summary>True when the layer is a remote layer, still only in its registry: <see cref="Size"/> is then its compressed blob's size there (the files are not read to count them).</summary>
    public bool InRegistry { get; init; }

    /// <summary>True when the layer is packed (pulled, its compressed blob in the store, unpacked when its files are first read): <see cref="Size"/> is then its compressed blob's size.</summary>
    public bool Packed { get; init; }

    public override string ToString() => CreatedBy ?? string.Empty;
}
