namespace LayerTools.Core.Maintenance;

/// <summary>What Get-LayerStore reports: what a store holds and how much of it could go.</summary>
public sealed class StoreSummary
{
    public string StorePath { get; init; } = string.Empty;

    /// <summary>Distinct images (by image ID).</summary>
    public int Images { get; init; }

    /// <summary>Names (name:tag) in index.json.</summary>
    public int Tags { get; init; }

    /// <summary>Distinct layers (DiffIDs) the images use.</summary>
    public int Layers { get; init; }

    /// <summary>Folders under layertools/containers/.</summary>
    public int Containers { get; init; }

    /// <summary>Files under layertools/cache/steps/ (build cache records).</summary>
    public int CacheEntries { get; init; }

    /// <summary>Bytes of every file in the store folder: blobs, indexes, containers, caches.</summary>
    public long TotalBytes { get; init; }

    /// <summary>Bytes of blobs under blobs/sha256/.</summary>
    public long BlobBytes { get; init; }

    /// <summary>Bytes of the layers that two images or more use (each layer counted once).</summary>
    public long SharedBytes { get; init; }

    /// <summary>Bytes Optimize-LayerStore would free: blobs (and their indexes) nothing references.</summary>
    public long ReclaimableBytes { get; init; }

    /// <summary>How many blobs nothing references.</summary>
    public int ReclaimableBlobs { get; init; }

    public override string ToString() => StorePath;
}
