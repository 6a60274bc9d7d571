namespace LayerTools.Core.Images;

/// <summary>
/// One thing Remove-LayeredImage did, as Docker's image delete reports it: a name taken away
/// (<c>Untagged: app:2</c>) or an image gone with its last name (<c>Deleted: sha256:…</c>).
/// </summary>
public sealed class ImageDeletion
{
    private ImageDeletion(string? untagged, string? deleted)
    {
        Untagged = untagged;
        Deleted = deleted;
    }

    /// <summary>The name (name:tag) taken off the image; null on a Deleted line.</summary>
    public string? Untagged { get; }

    /// <summary>The image ID (sha256:…) of an image that lost its last name; null on an Untagged line.</summary>
    public string? Deleted { get; }

    /// <summary>The store the image was in.</summary>
    public string StorePath { get; init; } = string.Empty;

    public static ImageDeletion Untag(string reference, string storePath) => new(reference, null) { StorePath = storePath };

    public static ImageDeletion Delete(string imageId, string storePath) => new(null, imageId) { StorePath = storePath };

    /// <summary>Docker's line: "Untagged: app:2" or "Deleted: sha256:…".</summary>
    public override string ToString() => Untagged is not null ? "Untagged: " + Untagged : "Deleted: " + Deleted;
}
