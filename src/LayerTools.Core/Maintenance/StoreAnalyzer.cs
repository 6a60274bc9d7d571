using LayerTools.Core.Store;

namespace LayerTools.Core.Maintenance;

/// <summary>Get-LayerStore: counts and sizes of a whole store. Reclaimable bytes come from a -WhatIf collect.</summary>
internal static class StoreAnalyzer
{
    public static StoreSummary Summarize(LayerStore store, CancellationToken cancellationToken = default)
    {
        var catalog = new Images.ImageCatalog(store);
        var entries = catalog.List();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in entries.DistinctBy(i => i.Manifest.Digest))
        {
            try
            {
                ids.Add(catalog.ConfigDigestOf(image));
            }
            catch (LayerToolsException)
            {
                // A broken image is Test-LayerStore's business; it still is an entry.
                ids.Add(image.Manifest.Digest);
            }
        }

        var useCounts = catalog.LayerUseCounts();
        var shared = useCounts.Where(u => u.Value > 1 && store.HasBlob(u.Key)).Sum(u => store.BlobSize(u.Key));
        var blobBytes = store.EnumerateBlobs().Sum(store.BlobSize);
        cancellationToken.ThrowIfCancellationRequested();
        var collect = StoreMaintenance.Collect(store, whatIf: true, cancellationToken);
        return new StoreSummary
        {
            StorePath = store.Root,
            Images = ids.Count,
            Tags = entries.Count(i => i.Reference is not null),
            Layers = useCounts.Count,
            Containers = CountDirectories(Path.Combine(store.DataDir, "containers")),
            CacheEntries = CountFiles(Path.Combine(store.DataDir, "cache", "steps")),
            TotalBytes = DirectoryBytes(store.Root),
            BlobBytes = blobBytes,
            SharedBytes = shared,
            ReclaimableBytes = collect.BytesFreed,
            ReclaimableBlobs = collect.BlobCount,
        };
    }

    private static int CountDirectories(string path) =>
        Directory.Exists(path) ? Directory.EnumerateDirectories(path).Count() : 0;

    private static int CountFiles(string path) =>
        Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Count() : 0;

    private static long DirectoryBytes(string path)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return new DirectoryInfo(path).EnumerateFiles("*", options).Sum(f => f.Length);
    }
}
