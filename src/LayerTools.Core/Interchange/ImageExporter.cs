using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>Writes images from the store as a docker-archive (dual form), an OCI layout, or an OCI archive.</summary>
internal static class ImageExporter
{
    public static void Export(LayerStore store, IReadOnlyList<StoredImage> images, string path, ExportFormat format, LayerCompression compression, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        throw new LayerToolsException("NotImplemented", ErrorKind.NotImplemented, "Export is not written yet.", path);
    }
}
