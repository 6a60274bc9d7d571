namespace LayerTools.Core.Images;

/// <summary>The JSON documents of an image that Get-LayeredImage -Raw gives as stored (like crane manifest and crane config).</summary>
public enum ImageDocument
{
    /// <summary>The image manifest (application/vnd.oci.image.manifest.v1+json or Docker's v2 schema 2).</summary>
    Manifest,

    /// <summary>The image config: the runtime defaults, rootfs and history.</summary>
    Config,
}
