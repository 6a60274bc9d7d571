using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;

namespace LayerTools.Core.Analysis;

/// <summary>
/// Measure-LayeredImage: size, wasted bytes and efficiency of images, from their layers as file trees
/// (<see cref="LayerFileTree"/>, each over its layer's entry index: no layer blob is read). WastedBytes follows <see cref="WasteCalculator"/>; Efficiency and
/// InefficientBytes follow dive (<see cref="DiveEfficiency"/>). Shared and unique sizes count each
/// distinct layer once and look at every image in the store, as <c>docker system df -v</c> does.
/// </summary>
internal static class ImageAnalyzer
{
    public const int DefaultTop = 10;

    public static ImageAnalysis Analyze(LayerStore store, StoredImage image, int top = DefaultTop, CancellationToken cancellationToken = default) =>
        Analyze(store, new[] { image }, top, cancellationToken)[0];

    /// <summary>One analysis per image, in the order given (an image given twice is analysed twice).</summary>
    public static IReadOnlyList<ImageAnalysis> Analyze(LayerStore store, IEnumerable<StoredImage> images, int top = DefaultTop, CancellationToken cancellationToken = default)
    {
        var catalog = new ImageCatalog(store);
        var useCounts = catalog.LayerUseCounts();
        var results = new List<ImageAnalysis>();
        foreach (var image in images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(AnalyzeOne(store, catalog, image, useCounts, Math.Max(0, top), cancellationToken));
        }

        return results;
    }

    private static ImageAnalysis AnalyzeOne(LayerStore store, ImageCatalog catalog, StoredImage image, Dictionary<string, int> useCounts, int top, CancellationToken cancellationToken)
    {
        var manifest = catalog.ReadManifest(image.Manifest.Digest);
        var config = catalog.ReadConfig(manifest.Config.Digest);
        var label = image.Reference?.ToString() ?? Digest.Short(manifest.Config.Digest);
        var waste = new WasteCalculator();
        var dive = new DiveEfficiency();
        long size = 0, shared = 0, unique = 0;
        var counted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < config.DiffIds.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var diffId = config.DiffIds[i];
            LayerIndex index;
            try
            {
                index = store.ReadLayerIndex(diffId);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                throw new LayerToolsException("LayerIndexUnreadable", ErrorKind.ReadError, $"Layer {i} ({diffId}) of {label} has no readable entry index: {ex.Message} Run Test-LayerStore.", diffId, ex);
            }

            var layer = new LayerFileTree(store, index, i, label);
            waste.Apply(layer);
            dive.Apply(layer);
            var blobSize = store.HasBlob(diffId) ? store.BlobSize(diffId) : index.Size;
            size += blobSize;
            if (counted.Add(diffId))
            {
                if (useCounts.TryGetValue(diffId, out var n) && n > 1)
                {
                    shared += blobSize;
                }
                else
                {
                    unique += blobSize;
                }
            }
        }

        var paths = waste.Bookings()
            .OrderByDescending(b => b.Bytes)
            .ThenBy(b => b.Path, StringComparer.Ordinal)
            .Take(top)
            .Select(b => new WastedPath
            {
                LayerPath = "/" + b.Path,
                WastedBytes = b.Bytes,
                LayerIndexes = b.Layers.ToList(),
                DiffIds = b.Layers.Select(l => config.DiffIds[l]).ToList(),
                Removed = b.Removed,
                Image = label,
            })
            .ToList();

        return new ImageAnalysis
        {
            Image = label,
            Id = manifest.Config.Digest,
            Size = size,
            LayerCount = config.DiffIds.Count,
            FileBytes = waste.FileBytes,
            WastedBytes = waste.WastedBytes,
            InefficientBytes = dive.InefficientBytes,
            Efficiency = dive.Efficiency,
            WastedPaths = paths,
            SharedSize = shared,
            UniqueSize = unique,
            StorePath = store.Root,
        };
    }
}
