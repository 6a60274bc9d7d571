using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Brings images into the store from an OCI layout directory, an OCI archive, a docker-archive
/// (legacy, plain and Docker 25 dual form), a root-filesystem tar, or a directory.
/// Everything is staged and verified first; the store changes only when all of it is good.
/// </summary>
internal static class ImageImporter
{
    /// <summary>Imports every image found at <paramref name="path"/>. <paramref name="tag"/> names the image when there is exactly one (and is required for a rootfs tar or directory).</summary>
    public static IReadOnlyList<StoredImage> Import(LayerStore store, string path, ImageReference? tag, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        throw new LayerToolsException("NotImplemented", ErrorKind.NotImplemented, "Import is not written yet.", path);
    }
}
