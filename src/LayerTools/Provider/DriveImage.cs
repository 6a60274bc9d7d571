using LayerTools.Core.Digests;
using LayerTools.Core.Images;

namespace LayerTools.Provider;

/// <summary>An image as a name under <c>Image:</c>: its path-safe name, and what the catalog knows of it (read once, on first use).</summary>
internal sealed class DriveImage
{
    private readonly ImageCatalog _catalog;
    private IReadOnlyList<string>? _diffIds;
    private LayeredImage? _model;

    public DriveImage(ImageCatalog catalog, StoredImage stored, string label)
    {
        _catalog = catalog;
        Stored = stored;
        Label = label;
        PathName = ImagePathName.Encode(label);
    }

    public StoredImage Stored { get; }

    /// <summary>name:tag, or the short image ID for an untagged image.</summary>
    public string Label { get; }

    /// <summary>The first path component under <c>Image:</c>.</summary>
    public string PathName { get; }

    public IReadOnlyList<string> DiffIds => _diffIds ??= _catalog.ReadConfig(_catalog.ConfigDigestOf(Stored)).DiffIds;

    /// <summary>The ChainID of the image's layers: images with the same layers share one union view.</summary>
    public string ChainId => Core.Digests.ChainId.Of(DiffIds) ?? "empty";

    public LayeredImage Model => _model ??= _catalog.Load(Stored);

    public static string LabelOf(ImageCatalog catalog, StoredImage stored) =>
        stored.Reference?.ToString() ?? Digest.Hex(catalog.ConfigDigestOf(stored))[..12];
}
