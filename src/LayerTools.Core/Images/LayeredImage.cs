using LayerTools.Core.Digests;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Images;

/// <summary>An image in a store: a config and a stack of layers, under one name:tag (or none).</summary>
public sealed class LayeredImage
{
    /// <summary>The repository name, or null for an untagged image.</summary>
    public string? Name { get; init; }

    public string? Tag { get; init; }

    /// <summary>The word docker prints for <see cref="Name"/>.</summary>
    public string? Repository => Name;

    /// <summary>name:tag, or null for an untagged image.</summary>
    public string? Reference => Name is null ? null : Name + ":" + Tag;

    /// <summary>The image ID: the digest of its config.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>The word docker prints for <see cref="Id"/>.</summary>
    public string ImageId => Id;

    public string ShortId => Digest.Short(Id);

    public string ManifestDigest { get; init; } = string.Empty;

    public DateTimeOffset? Created { get; init; }

    /// <summary>
    /// Bytes of the layers in the store, uncompressed (as docker images counts them); a packed layer
    /// (pulled, not yet unpacked: see <see cref="PackedLayerCount"/>) counts with its compressed blob
    /// until it is unpacked; a remote layer counts in <see cref="RemoteSize"/> instead.
    /// </summary>
    public long Size { get; init; }

    /// <summary>
    /// Bytes of the remote layers (still only in their registry, fetched when their files are read),
    /// as the image's manifest gives them: their compressed blobs' sizes. Their uncompressed size is
    /// known only once they are fetched; then they count in <see cref="Size"/>.
    /// </summary>
    public long RemoteSize { get; init; }

    /// <summary>How many of the layers are remote layers (see <see cref="RemoteSize"/>).</summary>
    public int RemoteLayerCount { get; init; }

    /// <summary>How many of the layers are packed: pulled, their compressed blobs in the store, unpacked by the first command that reads their files (no network).</summary>
    public int PackedLayerCount { get; init; }

    public int LayerCount => Layers.Count;

    /// <summary>The DiffIDs of the layers, base first.</summary>
    public IReadOnlyList<string> Layers { get; init; } = Array.Empty<string>();

    public string Architecture { get; init; } = string.Empty;

    public string Os { get; init; } = string.Empty;

    public string? Variant { get; init; }

    public string? Author { get; init; }

    public ContainerConfig Config { get; init; } = new();

    /// <summary>The ChainID of the whole stack; null for an image without layers.</summary>
    public string? ChainId => Digests.ChainId.Of(Layers);

    /// <summary>The store the image lives in, so that a piped image is found in the same store.</summary>
    public string StorePath { get; init; } = string.Empty;

    public override string ToString() => Reference ?? ShortId;
}
