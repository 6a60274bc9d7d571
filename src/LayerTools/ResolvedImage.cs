using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools;

/// <summary>An image a cmdlet was given, found in its store. <see cref="ByTag"/> is false when the user named it by ID or digest.</summary>
internal sealed record ResolvedImage(LayerStore Store, ImageCatalog Catalog, StoredImage Stored, bool ByTag, object Input)
{
    /// <summary>What the user would type back to name the image: its reference, or its short ID.</summary>
    public string Label => Stored.Reference?.ToString() ?? Input.ToString() ?? string.Empty;
}
