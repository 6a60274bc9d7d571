namespace LayerTools.Core.Registry;

/// <summary>What a push did: the reference and manifest digest in the registry, and how each blob got there.</summary>
public sealed class PublishedImage
{
    /// <summary>registry/repository:tag as pushed.</summary>
    public string Reference { get; init; } = string.Empty;

    /// <summary>The manifest digest the registry stores (pull by name@digest).</summary>
    public string Digest { get; init; } = string.Empty;

    /// <summary>The image ID (config digest).</summary>
    public string Id { get; init; } = string.Empty;

    public string MediaType { get; init; } = string.Empty;

    /// <summary>Bytes of the config and layer blobs as pushed (compressed).</summary>
    public long Size { get; init; }

    /// <summary>Blobs sent to the registry.</summary>
    public int Uploaded { get; init; }

    /// <summary>Blobs mounted from another repository of the same registry (nothing sent).</summary>
    public int Mounted { get; init; }

    /// <summary>Blobs the repository had already (nothing sent).</summary>
    public int Existing { get; init; }

    public override string ToString() => Reference + "@" + Digest;
}
