namespace LayerTools.Core.Maintenance;

/// <summary>What Optimize-LayerStore removed (or, with -WhatIf, would remove).</summary>
public sealed class CollectResult
{
    public string StorePath { get; init; } = string.Empty;

    /// <summary>Untagged images removed with -Dangling (their manifest digests).</summary>
    public IReadOnlyList<string> Images { get; init; } = Array.Empty<string>();

    public int ImageCount => Images.Count;

    /// <summary>Blobs that nothing references.</summary>
    public IReadOnlyList<string> Blobs { get; init; } = Array.Empty<string>();

    public int BlobCount => Blobs.Count;

    /// <summary>Bytes those blobs (and their indexes) take.</summary>
    public long BytesFreed { get; init; }

    /// <summary>Files and folders whose modes were looser than the store's access (private, or shared with a group) and were closed.</summary>
    public IReadOnlyList<string> Tightened { get; init; } = Array.Empty<string>();

    /// <summary>False when this only tells what would go (-WhatIf).</summary>
    public bool Removed { get; init; }

    public override string ToString() => (ImageCount > 0 ? $"{ImageCount} untagged images, " : string.Empty) + $"{BlobCount} blobs, {BytesFreed} bytes" + (Tightened.Count > 0 ? $", {Tightened.Count} modes closed" : string.Empty);
}
