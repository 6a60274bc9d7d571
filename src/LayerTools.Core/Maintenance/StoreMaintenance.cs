using LayerTools.Core.Build.Cache;
using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Maintenance;

/// <summary>Checking a store (Test-LayerStore) and removing what nothing references (Optimize-LayerStore).</summary>
internal static class StoreMaintenance
{
    /// <summary>Leftovers in layertools/tmp/ older than this belong to no live process and are swept.</summary>
    public static TimeSpan TmpMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Every problem found; nothing for a healthy store; StoreNotFound where there is no store. Each blob is read once: layer blobs are
    /// re-indexed (which hashes them too) and compared with their stored index, compressed layer blobs (packed layers, an image's own
    /// blob for a layer) hashed and inflated to their DiffID (<see cref="CompressedLayerCheck"/>), other blobs hashed.
    /// </summary>
    public static IEnumerable<StoreProblem> Verify(LayerStore store, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!store.Exists)
        {
            throw new LayerToolsException("StoreNotFound", ErrorKind.ObjectNotFound, $"There is no layer store at '{store.Root}' (no index.json there). Check -StorePath, or import an image to create a store.", store.Root);
        }

        const string activity = "Verifying the layer store";
        var problems = new List<StoreProblem>();
        var layers = new HashSet<string>(StringComparer.Ordinal);
        var compressed = new CompressedLayerCheck();
        IReadOnlyList<StoredImage> images;
        var catalog = new ImageCatalog(store);
        try
        {
            images = catalog.List();
        }
        catch (LayerToolsException ex)
        {
            problems.Add(new StoreProblem { Kind = "UnreadableIndex", Target = store.IndexJsonPath, Message = ex.Message, Path = store.IndexJsonPath });
            return problems;
        }

        foreach (var image in images.DistinctBy(i => i.Manifest.Digest))
        {
            var label = image.Reference?.ToString() ?? image.Manifest.Digest;
            if (!store.HasBlob(image.Manifest.Digest))
            {
                problems.Add(Missing(store, image.Manifest.Digest, $"the manifest of {label}"));
                continue;
            }

            try
            {
                var manifest = catalog.ReadManifest(image.Manifest.Digest);
                if (!store.HasBlob(manifest.Config.Digest))
                {
                    problems.Add(Missing(store, manifest.Config.Digest, $"the config of {label}"));
                    continue;
                }

                var config = catalog.ReadConfig(manifest.Config.Digest);
                for (var i = 0; i < manifest.Layers.Count; i++)
                {
                    // A remote layer (its blob still in the registry, a record saying where) is not missing.
                    var layer = manifest.Layers[i];
                    var remote = i < config.DiffIds.Count && RemoteLayers.Covers(store, config.DiffIds[i], layer.Digest);
                    if (!store.HasBlob(layer.Digest) && !remote)
                    {
                        problems.Add(Missing(store, layer.Digest, $"a layer of {label}"));
                    }
                    else if (i < config.DiffIds.Count)
                    {
                        compressed.Expect(layer, config.DiffIds[i], $"a layer of {label}");
                    }
                }

                foreach (var diffId in config.DiffIds)
                {
                    layers.Add(diffId);
                }
            }
            catch (LayerToolsException ex)
            {
                problems.Add(new StoreProblem { Kind = "BrokenReference", Target = label, Message = ex.Message });
            }
        }

        compressed.ExpectRecords(store);
        var blobs = store.EnumerateBlobs().ToList();
        for (var i = 0; i < blobs.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var digest = blobs[i];
            progress?.Report(new OperationProgress(activity, $"Blob {i + 1} of {blobs.Count}: {digest}", blobs.Count == 0 ? 100 : i * 100 / blobs.Count));
            var path = store.BlobPath(digest);
            if (layers.Contains(digest))
            {
                VerifyLayer(store, digest, path, problems, cancellationToken);
                continue;
            }

            if (compressed.Covers(digest))
            {
                problems.AddRange(compressed.Check(store, digest, cancellationToken));
                continue;
            }

            string actual;
            try
            {
                using var fs = store.OpenBlob(digest);
                actual = Digest.Of(fs);
            }
            catch (LayerToolsException ex) when (ex.ErrorId == "BlobNotFound")
            {
                // Collected since it was listed: nothing references it (a missing referenced blob is reported above).
                continue;
            }

            if (actual != digest)
            {
                problems.Add(new StoreProblem { Kind = "BlobDigestMismatch", Target = digest, Path = path, Message = $"Blob {digest} holds content whose digest is {actual}: it is corrupt." });
            }
        }

        if (StoreModes.Problem(store) is { } loose)
        {
            problems.Add(loose);
        }

        progress?.Report(new OperationProgress(activity, "Done", 100, Completed: true));
        return problems;
    }

    private static void VerifyLayer(LayerStore store, string diffId, string path, List<StoreProblem> problems, CancellationToken cancellationToken)
    {
        LayerIndex actual;
        try
        {
            using var fs = store.OpenBlob(diffId);
            actual = LayerIndexer.Ingest(fs, Stream.Null, diffId, IngestLimits.Default, lower: null, cancellationToken);
        }
        catch (LayerToolsException ex)
        {
            problems.Add(new StoreProblem { Kind = "BlobDigestMismatch", Target = diffId, Path = path, Message = $"Layer {diffId} is no longer a readable tar: {ex.Message}" });
            return;
        }

        if (actual.DiffId != diffId)
        {
            problems.Add(new StoreProblem { Kind = "BlobDigestMismatch", Target = diffId, Path = path, Message = $"Layer blob {diffId} holds content whose digest is {actual.DiffId}: it is corrupt." });
            return;
        }

        var indexPath = store.LayerIndexPath(diffId);
        if (!File.Exists(indexPath) && RemoteLayers.Get(store, diffId)?.Blob.Digest == diffId)
        {
            // A packed uncompressed layer (pulled as a plain tar, its blob its DiffID): indexed when it is unpacked.
            return;
        }

        if (!File.Exists(indexPath))
        {
            problems.Add(new StoreProblem { Kind = "MissingIndex", Target = diffId, Path = indexPath, Message = $"Layer {diffId} has no entry index." });
            return;
        }

        LayerIndex expected;
        try
        {
            using var fs = File.OpenRead(indexPath);
            expected = LayerIndex.FromJson(fs);
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or InvalidDataException)
        {
            problems.Add(new StoreProblem { Kind = "UnreadableIndex", Target = diffId, Path = indexPath, Message = $"The entry index of layer {diffId} is unreadable: {ex.Message}" });
            return;
        }

        // Lower layers can change how a layer's names resolve (paths beneath their symlinks); the
        // index was written with them, so compare what does not depend on them.
        if (expected.Size != actual.Size || expected.Entries.Count != actual.Entries.Count
            || !expected.Entries.Select(e => (e.Type, e.Digest, e.Offset, e.Size, e.Mode)).SequenceEqual(actual.Entries.Select(e => (e.Type, e.Digest, e.Offset, e.Size, e.Mode))))
        {
            problems.Add(new StoreProblem { Kind = "IndexMismatch", Target = diffId, Path = indexPath, Message = $"The entry index of layer {diffId} does not describe its blob." });
        }
    }

    private static StoreProblem Missing(LayerStore store, string digest, string what) =>
        new() { Kind = "MissingBlob", Target = digest, Path = store.BlobPath(digest), Message = $"Blob {digest}, {what}, is missing." };

    /// <summary>
    /// Finds the blobs nothing references and, unless <paramref name="whatIf"/>, deletes them under the
    /// store lock, and closes the files and folders whose modes are looser than the store's access.
    /// Referenced: every image's manifest, config and layers, and whatever an owner beside the store
    /// keeps (see <see cref="Owners"/>).
    /// </summary>
    public static CollectResult Collect(LayerStore store, bool whatIf, CancellationToken cancellationToken = default) =>
        Collect(store, whatIf, dangling: false, cancellationToken);

    /// <summary>
    /// Everything beside the store that keeps blobs alive: the build cache (its layers, so a later build
    /// still hits), containers (the images they stand on), the compressed-layer cache, the layer
    /// snapshots, and the running operations (their leases: what they staged or found here and will
    /// reference when they commit). Cache mounts (layertools/cache/mounts) hold directories, no blobs, and are not collected.
    /// </summary>
    private static IBlobOwner[] Owners(LayerStore store) =>
        [new LeaseHolds(store), new BuildCache(store), new ContainerStore(store), new CompressedLayerBlobs(store), new SnapshotCache(store), new RemoteLayerRecords(store)];

    /// <param name="dangling">Also remove untagged images (what a rebuild leaves behind when it moves a tag, as docker image prune does) that no owner stands on.</param>
    public static CollectResult Collect(LayerStore store, bool whatIf, bool dangling, CancellationToken cancellationToken = default)
    {
        using var l = store.Lock(cancellationToken);
        var catalog = new ImageCatalog(store);
        var owners = Owners(store);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var layers = owners.SelectMany(o => o.RootLayers()).ToHashSet(StringComparer.Ordinal);
        var inUse = owners.SelectMany(o => o.RootImages()).ToHashSet(StringComparer.Ordinal);
        var images = catalog.List();
        var tagged = images.Where(i => i.Reference is not null).Select(i => i.Manifest.Digest).ToHashSet(StringComparer.Ordinal);
        var danglingImages = dangling
            ? images.Where(i => i.Reference is null && !tagged.Contains(i.Manifest.Digest) && !inUse.Contains(i.Manifest.Digest)).Select(i => i.Manifest.Digest).Distinct(StringComparer.Ordinal).ToList()
            : new List<string>();

        // Images named in index.json (less the dangling ones being pruned), and the images owners
        // stand on: they and their blobs stay.
        var roots = images.Select(i => i.Manifest.Digest)
            .Where(d => !danglingImages.Contains(d))
            .Concat(inUse)
            .Distinct(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            referenced.Add(root);
            if (!store.HasBlob(root))
            {
                continue;
            }

            var manifest = catalog.ReadManifest(root);
            referenced.Add(manifest.Config.Digest);
            foreach (var layer in manifest.Layers)
            {
                referenced.Add(layer.Digest);
            }

            if (store.HasBlob(manifest.Config.Digest))
            {
                layers.UnionWith(catalog.ReadConfig(manifest.Config.Digest).DiffIds);
            }
        }

        referenced.UnionWith(layers);
        foreach (var owner in owners)
        {
            referenced.UnionWith(owner.KeptFor(layers));
        }

        var garbage = store.EnumerateBlobs().Where(d => !referenced.Contains(d)).OrderBy(d => d, StringComparer.Ordinal).ToList();
        long bytes = 0;
        foreach (var digest in garbage)
        {
            bytes += store.BlobSize(digest);
            var index = store.LayerIndexPath(digest);
            if (File.Exists(index))
            {
                bytes += new FileInfo(index).Length;
            }
        }

        if (!whatIf)
        {
            if (danglingImages.Count > 0)
            {
                var prune = danglingImages.ToHashSet(StringComparer.Ordinal);
                store.UpdateIndexLocked(descriptors => descriptors.RemoveAll(d => prune.Contains(d.Digest) && !d.Annotations.ContainsKey(MediaTypes.RefNameAnnotation)) > 0);
            }

            var cutoff = DateTime.UtcNow - TmpMaxAge;
            foreach (var owner in owners)
            {
                owner.Sweep(layers, cutoff);
            }

            foreach (var digest in garbage)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AtomicFile.TryDelete(store.LayerIndexPath(digest));
                AtomicFile.TryDelete(store.BlobPath(digest));
            }

            SweepTmp(store);
        }

        // A store from before its modes were set explicitly is closed to the users its access leaves out.
        var tightened = whatIf ? StoreModes.FindLoose(store).Select(l => l.Path).ToList() : StoreModes.Tighten(store);
        return new CollectResult { StorePath = store.Root, Images = danglingImages, Blobs = garbage, BytesFreed = bytes, Tightened = tightened, Removed = !whatIf };
    }

    private static void SweepTmp(LayerStore store)
    {
        if (!Directory.Exists(store.TmpDir))
        {
            return;
        }

        var cutoff = DateTime.UtcNow - TmpMaxAge;
        foreach (var entry in new DirectoryInfo(store.TmpDir).EnumerateFileSystemInfos())
        {
            // A lease's scratch folder goes with its lease (LeaseSweeper), never by age.
            if (entry.LastWriteTimeUtc > cutoff || LeaseSweeper.IsLeaseId(entry.Name))
            {
                continue;
            }

            if (entry is DirectoryInfo d)
            {
                HostFolders.TryRemove(d);
            }
            else
            {
                AtomicFile.TryDelete(entry.FullName);
            }
        }
    }
}
