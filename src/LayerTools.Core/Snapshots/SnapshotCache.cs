using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Union;

namespace LayerTools.Core.Snapshots;

/// <summary>
/// Extracted layers, kept so that each layer is written to disk once, whatever image or build
/// uses it: <c>layertools/snapshots/layers/&lt;diffid-hex&gt;/</c> holds one layer in overlayfs'
/// form (whiteouts as character devices 0/0, opaque directories marked with
/// trusted.overlay.opaque=y). The root file system of a ChainID is then not a directory of its own
/// but the overlay mount of its layers' directories as lower dirs, top first. A snapshot is
/// extracted into a private temporary folder and renamed into place, so concurrent builders never
/// see a half-written one (the loser of a race throws its copy away). The folder is 0700: images
/// hold setuid files that host users must not reach.
/// </summary>
internal sealed class SnapshotCache : IBlobOwner
{
    private readonly LayerStore _store;

    public SnapshotCache(LayerStore store)
    {
        _store = store;
        Root = Path.Combine(store.DataDir, "snapshots");
        LayersDir = Path.Combine(Root, "layers");
    }

    public string Root { get; }

    public string LayersDir { get; }

    public string LayerDirectory(string diffId) => Path.Combine(LayersDir, Digest.Hex(diffId));

    /// <summary>
    /// Makes sure every layer of the stack (base first) is extracted; returns their directories, base
    /// first. Layers are read through <paramref name="staging"/> when given, so a build can stack on
    /// layers it made but has not committed yet.
    /// </summary>
    public IReadOnlyList<string> Ensure(IReadOnlyList<string> diffIds, StagingArea? staging = null, CancellationToken cancellationToken = default)
    {
        LayerExtractor.RequireLinux();
        // Owner-only, in a shared store too, and tightened when an older store left them open.
        _store.Access.CreatePrivateFolder(Root);
        _store.Access.CreatePrivateFolder(LayersDir);
        var view = new UnionView();
        var dirs = new List<string>();
        Lease? own = null;
        try
        {
            foreach (var diffId in diffIds)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var index = staging?.ReadLayerIndex(diffId) ?? _store.ReadLayerIndex(diffId);
                var dir = LayerDirectory(diffId);
                if (!Directory.Exists(dir))
                {
                    // Extracted in a lease's folder (the operation's, else one of its own), so a killed extraction is reclaimed by the next command.
                    Extract(index, view, dir, staging?.Lease ?? (own ??= _store.AcquireLease()), staging, cancellationToken);
                }

                view.Apply(index);
                dirs.Add(dir);
            }
        }
        finally
        {
            own?.Dispose();
        }

        return dirs;
    }

    /// <summary>Removes the snapshot of a layer (for garbage collection).</summary>
    public void Remove(string diffId) => SafeRoot.RemoveTree(LayerDirectory(diffId));

    /// <summary>
    /// Removes the snapshot of every layer nothing keeps any more. A snapshot changed after
    /// <paramref name="olderThan"/> is left alone: a build running now may stand on a layer it has
    /// staged but not yet committed.
    /// </summary>
    public void Sweep(IReadOnlySet<string> liveLayers, DateTime olderThan)
    {
        if (!Directory.Exists(LayersDir))
        {
            return;
        }

        foreach (var dir in new DirectoryInfo(LayersDir).EnumerateDirectories())
        {
            var diffId = Digest.Sha256Prefix + dir.Name;
            if (Digest.IsValid(diffId) && !liveLayers.Contains(diffId) && dir.LastWriteTimeUtc <= olderThan)
            {
                HostFolders.TryRemove(dir);
            }
        }
    }

    private void Extract(LayerIndex index, UnionView lower, string dir, Lease lease, StagingArea? staging, CancellationToken cancellationToken)
    {
        var tmp = lease.NewTmpPath("snapshot");

        // Image content: owner-only, as snapshots/ is, while it is extracted in the lease folder.
        _store.Access.CreatePrivateFolder(tmp);
        try
        {
            using (var blob = staging?.OpenBlob(index.DiffId) ?? _store.OpenBlob(index.DiffId))
            {
                LayerExtractor.ExtractOverlay(blob, index, tmp, lower, LowerLayerOf, cancellationToken);
            }

            try
            {
                Directory.Move(tmp, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                // Another process extracted the same layer first; its copy is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(tmp))
            {
                SafeRoot.RemoveTree(tmp);
            }
        }

        string? LowerLayerOf(string path) =>
            lower.Get(path) is { LayerIndex: >= 0 } node ? LayerDirectory(node.LayerDiffId) : null;
    }
}
