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

    /// <summary>Bytes of the uncompressed layer tar; null for a remote or packed layer (known only once it is fetched or unpacked).</summary>
    public long? Size { get; init; }

    /// <summary>Entries other than whiteouts; null for a remote layer.</summary>
    public int? FileCount { get; init; }

    /// <summary>The word docker prints for <see cref="FileCount"/>.</summary>
    public int? Files => FileCount;

    /// <summary>Whiteouts (deletions of lower files); null for a remote layer.</summary>
    public int? WhiteoutCount { get; init; }

    /// <summary>True when the layer is still only in its registry (a remote layer, fetched when its files are read).</summary>
    public bool InRegistry { get; init; }

    /// <summary>True when the layer is packed: pulled, its compressed blob in the store (<see cref="Digest"/>), unpacked when its files are first read; <see cref="Size"/> and the counts are then null.</summary>
    public bool Packed { get; init; }

    /// <summary>The digest of the layer's blob as the image's manifest lists it (the compressed blob in the registry, for a remote layer).</summary>
    public string Digest { get; init; } = string.Empty;

    /// <summary>Bytes of that blob as the manifest gives them (compressed when <see cref="MediaType"/> says so).</summary>
    public long BlobSize { get; init; }

    /// <summary>The media type of that blob as the manifest gives it.</summary>
    public string MediaType { get; init; } = string.Empty;

    public string? CreatedBy { get; init; }

    /// <summary>How many images in the store use this layer.</summary>
    public int SharedBy { get; init; }

    public string StorePath { get; init; } = string.Empty;

    public override string ToString() => DiffId;
}
