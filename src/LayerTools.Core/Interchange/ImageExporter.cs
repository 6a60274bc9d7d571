using LayerTools.Core.Images;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>Writes images from the store as a docker-archive (dual form), an OCI layout, or an OCI archive.</summary>
internal static class ImageExporter
{
    /// <summary>
    /// Writes <paramref name="images"/> (several entries of one image become one image with several
    /// names) to <paramref name="path"/>. Every blob is checked against its digest as it is read
    /// from the store. An archive file is replaced only once it is complete; an OCI layout folder
    /// is created, or added to when it holds a layout already.
    /// </summary>
    public static void Export(LayerStore store, IReadOnlyList<StoredImage> images, string path, ExportFormat format, LayerCompression compression, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (images.Count == 0)
        {
            throw new LayerToolsException("NothingToExport", ErrorKind.InvalidArgument, "No image was given to export.", path);
        }

        var full = Path.GetFullPath(path);
        if (TarPath.IsWithin(full.Replace('\\', '/'), store.Root.Replace('\\', '/')))
        {
            throw new LayerToolsException("ExportIntoStore", ErrorKind.InvalidArgument, $"'{full}' is inside the store '{store.Root}'; export to a path outside it.", full);
        }

        if (format == ExportFormat.OciLayout && Directory.Exists(Path.Combine(full, "layertools")))
        {
            throw new LayerToolsException("ExportIntoStore", ErrorKind.InvalidArgument, $"'{full}' is a LayerTools store; images enter a store by import, which indexes their layers. Export to another folder, or import the export into that store.", full);
        }

        FetchRemoteLayers(store, images);
        var reporter = new ProgressReporter(progress, $"Exporting to {Path.GetFileName(full)}");
        reporter.Report("Preparing", 0, 1);
        // The lease keeps what the export reads in the store, and owns its temporary files beside the destination.
        using var lease = store.AcquireLease();
        // An OCI layout is checked first; a layer compressed now is written into it as it is made (see ExportPlan).
        var existing = format == ExportFormat.OciLayout ? OciLayoutWriter.Check(full) : null;
        Func<string>? layoutBlobs = format == ExportFormat.OciLayout ? () => OciLayoutWriter.Open(full, lease) : null;
        var plan = ExportPlan.Create(store, images, compression, reporter, cancellationToken, lease, layoutBlobs);
        switch (format)
        {
            case ExportFormat.OciLayout:
                OciLayoutWriter.Write(store, plan, full, existing, reporter, cancellationToken, lease);
                break;
            case ExportFormat.OciArchive:
                ArchiveFileWriter.Write(store, plan, full, dockerArchive: false, reporter, cancellationToken, lease);
                break;
            case ExportFormat.DockerArchive:
                ArchiveFileWriter.Write(store, plan, full, dockerArchive: true, reporter, cancellationToken, lease);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown export format.");
        }

        reporter.Done($"Exported {plan.Images.Count} image(s)");
    }

    /// <summary>
    /// Fetches the remote layers of the images (through the store's fetcher, with the command's
    /// sign-in, progress and Ctrl+C) before anything is written, as docker save fetches what a lazy
    /// pull left in the registry: an archive or layout is whole, with every layer's bytes, for the
    /// tools that read it. A fetch that fails or is stopped leaves the store and the destination as they were.
    /// </summary>
    private static void FetchRemoteLayers(LayerStore store, IReadOnlyList<StoredImage> images)
    {
        var catalog = new ImageCatalog(store);
        foreach (var manifest in images.Select(i => i.Manifest.Digest).Distinct(StringComparer.Ordinal))
        {
            var config = catalog.ReadConfig(catalog.ReadManifest(manifest).Config.Digest);
            // A packed layer (its blob here) is left as it is: the plan sends its blob, or unpacks it when the export needs it otherwise.
            foreach (var diffId in config.DiffIds.Where(d => RemoteLayers.IsInRegistry(store, d)))
            {
                store.ReadLayerIndex(diffId); // fetches it with the remote layers below it
            }
        }
    }
}
