using LayerTools.Core.Layers;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Where one layer of an archived image is, and what its descriptor promises about the blob as
/// stored (compressed or not). The archive file is found only when the layer is read, so a layer
/// the store already holds need not be in the archive at all.
/// </summary>
internal sealed class LayerSource
{
    public LayerSource(string where, Func<Stream> open, string? digest = null, long? size = null)
    {
        Where = where;
        Open = open;
        Digest = digest;
        Size = size;
    }

    /// <summary>A layer LayerTools made itself and staged already (a root filesystem folder): nothing to read.</summary>
    public LayerSource(string where, LayerIndex staged)
        : this(where, () => throw new InvalidOperationException($"The layer made from '{where}' is staged already; it has no archive to read."))
    {
        Staged = staged;
    }

    /// <summary>The archive and entry, for messages.</summary>
    public string Where { get; }

    /// <summary>Opens the blob as stored, seekable.</summary>
    public Func<Stream> Open { get; }

    /// <summary>The digest of the stored blob, when a descriptor or the blob's name gives it.</summary>
    public string? Digest { get; }

    public long? Size { get; }

    /// <summary>The index of a layer made and staged while the archive was read; null for a layer still to be ingested.</summary>
    public LayerIndex? Staged { get; }
}
