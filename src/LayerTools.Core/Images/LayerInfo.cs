namespace LayerTools.Core.Images;

/// <summary>One layer of an image.</summary>
public sealed class LayerInfo
{
    /// <summary>The image the layer was listed for (its reference or short id).</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>Position in the image, 0 for the base layer.</summary>
    public int Index { get; init; }

    public string DiffId { get; init; } = string.Empty;

    /// <summary>The ChainID of the layers up to and including this one.</summary>
    public string ChainId { get; init; } = string.Empty;

    /// <summary>Bytes of the uncompressed layer tar.</summary>
    public long Size { get; init; }

    /// <summary>Entries other than whiteouts.</summary>
    public int FileCount { get; init; }

    /// <summary>The word docker prints for <see cref="FileCount"/>.</summary>
    public int Files => FileCount;

    public int WhiteoutCount { get; init; }

    public string? CreatedBy { get; init; }

    /// <summary>How many images in the store use this layer.</summary>
    public int SharedBy { get; init; }

    public string StorePath { get; init; } = string.Empty;

    public override string ToString() => DiffId;
}
