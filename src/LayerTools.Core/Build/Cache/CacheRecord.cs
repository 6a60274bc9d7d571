namespace LayerTools.Core.Build.Cache;

/// <summary>What a cached step produced: the layer (null for a metadata step) and its history record, so a cache hit rebuilds the exact same config.</summary>
internal sealed class CacheRecord
{
    public int Version { get; set; } = 1;

    public string? DiffId { get; set; }

    public string? CreatedBy { get; set; }

    public string? Comment { get; set; }

    /// <summary>RFC 3339 time of the history record.</summary>
    public string? Created { get; set; }

    /// <summary>The runtime config after the step (JSON of the config's "config" object), for metadata steps.</summary>
    public string? ConfigJson { get; set; }
}
