namespace LayerTools.Core.Store;

/// <summary>
/// Something kept beside the store that keeps blobs alive: the build cache, containers, the
/// compressed-layer cache, the layer snapshots. Garbage collection (Maintenance, the top floor) asks
/// every owner under the store lock, so the store never reaches up into what stands on it. An owner
/// names what it stands on, what more it keeps once the live layers are known, and drops its own
/// records of layers that are gone. What it does not say, it does not keep.
/// </summary>
internal interface IBlobOwner
{
    /// <summary>Images (manifest digests) that stay, with their configs and layers, even when no tag names them.</summary>
    IEnumerable<string> RootImages() => [];

    /// <summary>Layers (DiffIDs) that stay.</summary>
    IEnumerable<string> RootLayers() => [];

    /// <summary>Further blobs that stay while their layers do; <paramref name="liveLayers"/> is every layer that stays.</summary>
    IEnumerable<string> KeptFor(IReadOnlySet<string> liveLayers) => [];

    /// <summary>
    /// Removes the owner's own records of layers not in <paramref name="liveLayers"/> (never a blob: the
    /// collector deletes those). What changed after <paramref name="olderThan"/> may belong to work
    /// still running and is left alone where that matters.
    /// </summary>
    void Sweep(IReadOnlySet<string> liveLayers, DateTime olderThan)
    {
    }
}
