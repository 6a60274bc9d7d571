namespace LayerTools.Provider;

/// <summary>
/// The path-safe form of an image reference, the first component under <c>Image:</c>. A reference
/// may hold '/' (<c>registry.example/team/app:2</c>), which a path would take for a separator: it is
/// written <c>%2F</c> (<c>registry.example%2Fteam%2Fapp:2</c>), as in a URL. No reference can hold '%',
/// so the form is unambiguous; <c>%2f</c> is read too.
/// </summary>
internal static class ImagePathName
{
    public const string EncodedSlash = "%2F";

    public static string Encode(string reference) => reference.Replace("/", EncodedSlash, StringComparison.Ordinal);

    /// <summary>The name an image has on the drive: its reference (path-safe), or its short ID when untagged.</summary>
    public static string Of(Core.Images.ImageCatalog catalog, Core.Images.StoredImage stored) => Encode(DriveImage.LabelOf(catalog, stored));

    public static string Decode(string name) => name.Replace(EncodedSlash, "/", StringComparison.OrdinalIgnoreCase);
}
