using System.Collections.Concurrent;
using LayerTools.Core.Store;

namespace LayerTools.Provider;

/// <summary>The stores the drives have opened, one <see cref="StoreDrives"/> each, for the life of the process.</summary>
internal static class DriveStores
{
    private static readonly ConcurrentDictionary<string, StoreDrives> Stores = new(StringComparer.Ordinal);

    /// <summary>The store a path is in (null: the default store, as $env:LAYERTOOLS_STORE says now); null when that folder does not exist yet.</summary>
    public static StoreDrives? For(string? storePath)
    {
        var root = Path.GetFullPath(storePath ?? StorePaths.Default());

        // Reading a drive never creates a store: an absent folder is an empty store.
        if (!File.Exists(Path.Combine(root, "index.json")))
        {
            return null;
        }

        return Stores.GetOrAdd(root, r => new StoreDrives(WithFetcher(LayerStore.Open(r))));
    }

    /// <summary>The store, created when missing (for writes).</summary>
    public static StoreDrives Open(string? storePath)
    {
        var root = Path.GetFullPath(storePath ?? StorePaths.Default());
        return Stores.GetOrAdd(root, r => new StoreDrives(WithFetcher(LayerStore.Open(r))));
    }

    /// <summary>Remote layers (see RemoteLayers) are fetched from their registry when a drive reads their files, stopped by the reading command's Ctrl+C.</summary>
    private static LayerStore WithFetcher(LayerStore store)
    {
        store.RemoteFetcher ??= new DriveFetcher();
        return store;
    }
}
