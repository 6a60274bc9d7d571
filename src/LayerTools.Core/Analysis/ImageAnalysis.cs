namespace LayerTools.Core.Analysis;

/// <summary>What Measure-LayeredImage reports for one image.</summary>
public sealed class ImageAnalysis
{
    /// <summary>The image: its name:tag, or short ID when untagged.</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>The image ID (config digest).</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Bytes of all layers, uncompressed (as Get-LayeredImage's Size).</summary>
    public long Size { get; init; }

    public int LayerCount { get; init; }

    /// <summary>Bytes of regular-file content over all layers, counting every copy.</summary>
    public long FileBytes { get; init; }

    /// <summary>
    /// Bytes of regular files that lower layers carry and the final image does not show: overwritten by an
    /// upper layer (a duplicate of a path counts every copy but the one on top), deleted by a whiteout or
    /// an opaque directory, or hidden when an upper layer puts another kind of entry at or above the path.
    /// A layer that overwrites a 10 MB file wastes exactly 10 MB.
    /// </summary>
    public long WastedBytes { get; init; }

    /// <summary>
    /// dive's "wasted bytes" (its CI rule highestWastedBytes): the sum of every copy, the top one included,
    /// of each path present in more than one layer. Kept so numbers can be checked against dive.
    /// </summary>
    public long InefficientBytes { get; init; }

    /// <summary>
    /// dive's efficiency score, 0..1: over every path, the smallest copy's size summed, divided by all copies'
    /// sizes summed (1 when there are no bytes). See <see cref="DiveEfficiency"/> for the exact rule.
    /// </summary>
    public double Efficiency { get; init; }

    /// <summary>The paths wasting the most bytes, largest first.</summary>
    public IReadOnlyList<WastedPath> WastedPaths { get; init; } = Array.Empty<WastedPath>();

    /// <summary>Bytes of this image's layers that other images in the store use too (as <c>docker system df -v</c>).</summary>
    public long SharedSize { get; init; }

    /// <summary>Bytes of this image's layers no other image in the store uses.</summary>
    public long UniqueSize { get; init; }

    public string StorePath { get; init; } = string.Empty;

    public override string ToString() => Image;
}
