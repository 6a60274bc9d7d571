using LayerTools.Core.Digests;

namespace LayerTools.Core.Containers;

/// <summary>A container: a writable copy-on-write layer on top of an image, as <c>docker ps -a</c> would list it.</summary>
public sealed class ContainerLayer
{
    /// <summary>64 lowercase hex digits.</summary>
    public string Id { get; init; } = string.Empty;

    public string ShortId => Id.Length >= 12 ? Id[..12] : Id;

    /// <summary>Unique in the store.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The image the container was created from, as the user named it (name:tag), or its short ID when untagged.</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>The image ID (config digest) the container runs on; it never changes, even when the tag moves.</summary>
    public string ImageId { get; init; } = string.Empty;

    /// <summary>The manifest digest of that image.</summary>
    public string ManifestDigest { get; init; } = string.Empty;

    public DateTimeOffset Created { get; init; }

    /// <summary>Bytes of file content in the writable layer.</summary>
    public long Size { get; init; }

    /// <summary>How many paths differ from the image (what <c>Get-ContainerChange</c> lists).</summary>
    public int Changes { get; init; }

    /// <summary>The store the container lives in.</summary>
    public string StorePath { get; init; } = string.Empty;

    public string ShortImageId => Digest.IsValid(ImageId) ? Digest.Short(ImageId) : ImageId;

    public override string ToString() => Name;
}
