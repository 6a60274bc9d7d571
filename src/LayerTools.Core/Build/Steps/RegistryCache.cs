using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// The build cache as an image in a registry (<c>-CacheTo</c>, read back by <c>-CacheFrom</c>), close to
/// BuildKit's registry cache export but in LayerTools' own namespace: an OCI image manifest whose config
/// (media type <see cref="ConfigMediaType"/>) lists every cache step of every stage (as the inline
/// cache does) and, parallel to the manifest's gzip layers, each layer's DiffID and the layer below it.
/// So a fresh store hits every step of a multi-stage build, intermediate stages included, which the
/// inline cache of the final image cannot give (its config only names the final image's layers).
/// </summary>
internal static class RegistryCache
{
    public const string ConfigMediaType = "application/vnd.layertools.cache.config.v1+json";

    /// <summary>Pushes the build's cache image to <paramref name="destination"/>: the layers of every stage (compressed once and remembered), the steps, the manifest last.</summary>
    public static PublishedImage Push(ImageCatalog catalog, CacheExport export, RegistryClient client, ImageReference destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var store = catalog.Store;
        using var lease = store.AcquireLease();
        var layers = Layers(export.Stacks);
        var reporter = new ProgressReporter(progress, $"Preparing the cache {destination}");
        var blobs = new List<Descriptor>();
        var entries = new JsonArray();
        foreach (var (diffId, parent) in layers)
        {
            if (RemoteLayers.IsRemote(store, diffId))
            {
                // Still in the registry (a base read without its layers): the push mounts its blob.
                blobs.Add(RemoteLayers.LayerDescriptor(store, diffId));
            }
            else if (!lease.TryHold(diffId, cancellationToken))
            {
                throw new LayerToolsException("BlobNotFound", ErrorKind.ObjectNotFound, $"Layer {diffId} of the build is missing from the store '{store.Root}'; run Test-LayerStore.", diffId);
            }

            else
            {
                var activity = $"Compressing layer {Digest.Short(diffId)} (gzip)";
                blobs.Add(CompressedLayerCache.GetOrCreate(store, diffId, LayerCompression.Gzip, reporter.Child(activity, activity, store.BlobSize(diffId)), cancellationToken, lease));
                reporter.ChildDone(activity, activity);
            }

            var entry = new JsonObject { ["diffId"] = diffId };
            if (parent is { } below)
            {
                entry["parent"] = below;
            }

            entries.Add(entry);
        }

        var config = new JsonObject
        {
            ["layers"] = entries,
            ["records"] = InlineCache.ToJson(export.Steps, layers.Select(l => l.DiffId).ToHashSet(StringComparer.Ordinal)),
        };
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        var manifest = ManifestDocument.Create(new Descriptor(ConfigMediaType, Digest.Of(configBytes), configBytes.Length), blobs);
        using (var staging = store.BeginStaging(lease))
        {
            staging.AddBytes(configBytes);
            staging.AddBytes(manifest);
            staging.Commit(null, cancellationToken);
        }

        // Pushed as a stored image (untagged: nothing in index.json names it, so a collect removes its
        // manifest and config later), which the pusher sends as it is, its layers skipped, mounted or uploaded.
        var image = new StoredImage(new Descriptor(MediaTypes.OciManifest, Digest.Of(manifest), manifest.Length), null);
        return ImagePusher.Push(catalog, image, client, destination, progress, cancellationToken);
    }

    /// <summary>
    /// Takes a <c>-CacheFrom</c> source into the build cache: a cache image in a registry (the layers
    /// the store lacks recorded as remote layers), else an image's inline cache (the image found in the store, or pulled).
    /// </summary>
    public static int Import(LayerStore store, BuildCache cache, string source, string contextPath, Action<string>? verbose, CancellationToken cancellationToken)
    {
        var reference = ImageReference.TryParse(source.Trim(), out var parsed) ? parsed : null;
        if (reference is not null && BaseImageResolver.FromStore(new ImageCatalog(store), source, reference) is null)
        {
            var endpoint = RegistryEndpoint.For(reference);
            using var client = RegistrySignIn.Of(store).Open(endpoint);
            try
            {
                if (TryImport(store, cache, client, reference, verbose, cancellationToken) is { } taken)
                {
                    return taken;
                }
            }
            catch (LayerToolsException ex) when (BaseImageResolver.NotThere.Contains(ex.ErrorId))
            {
                // Not a cache image there: the image path below says what is missing.
            }
        }

        var image = BaseImageResolver.Resolve(store, source, contextPath, "-CacheFrom", cancellationToken, verbose: verbose);
        var steps = image.ImageId is null ? 0 : InlineCache.Import(store, cache, image.ImageId);
        verbose?.Invoke($"-CacheFrom {source}: {steps} cached step(s) (inline cache).");
        return steps;
    }

    /// <summary>Reads a cache image from its registry into the build cache; null when the reference names something else (an image).</summary>
    private static int? TryImport(LayerStore store, BuildCache cache, RegistryClient client, ImageReference reference, Action<string>? verbose, CancellationToken cancellationToken)
    {
        var repository = reference.Repository;
        var name = reference.FullName + (reference.Digest is null ? ":" + reference.Tag : "@" + reference.Digest);
        var fetched = client.GetManifest(repository, reference.Digest ?? reference.Tag, cancellationToken);
        if (!MediaTypes.IsManifest(fetched.MediaType))
        {
            return null;
        }

        var manifest = ManifestDocument.Parse(fetched.Bytes, name, fetched.MediaType);
        if (manifest.Config.MediaType != ConfigMediaType)
        {
            return null;
        }

        var configBytes = ImagePuller.ReadSmallBlob(client, repository, manifest.Config, IngestLimits.Default.MaxConfigBytes, name, cancellationToken);
        var config = JsonDocuments.ParseObject(configBytes, name, "InvalidCacheConfig");
        // The layers the store lacks become remote layers: a step that hits takes its layer without
        // downloading it, and only a step that reads the files (RUN, COPY --from) fetches them.
        var wanted = Wanted(config, manifest, name);
        // Recorded in a commit, under the store lock, as a pull records its layers: a record is only
        // added to there, so another process recording a blob of the same DiffID at once keeps it.
        var remote = 0;
        using (var staging = store.BeginStaging())
        {
            foreach (var layer in wanted.Where(l => !store.HasBlob(l.DiffId)))
            {
                staging.AddRemoteLayer(new RemoteLayer(layer.DiffId, layer.Blob, client.Endpoint.Domain, repository, layer.Below));
                remote++;
            }

            staging.Commit(null, cancellationToken);
        }

        RegistryLayerFetcher.AttachTo(store);
        var steps = InlineCache.ImportSteps(store, cache, config["records"] as JsonArray);
        verbose?.Invoke($"-CacheFrom {name}: a cache image of {wanted.Count} layer(s), {wanted.Count - remote} in the store, {remote} left in the registry until a step reads their files; {steps} cached step(s).");
        return steps;
    }

    /// <summary>Each layer of a cache image with the layers below it, checked: DiffIDs that are digests, a parent listed before its child.</summary>
    private static List<LayerFetcher.Wanted> Wanted(JsonObject config, ManifestDocument manifest, string name)
    {
        var entries = config["layers"] as JsonArray ?? new JsonArray();
        if (entries.Count != manifest.Layers.Count)
        {
            throw new LayerToolsException("InvalidCacheConfig", ErrorKind.InvalidData, $"'{name}': the cache manifest lists {manifest.Layers.Count} layers but its config {entries.Count}.", name);
        }

        var wanted = new List<LayerFetcher.Wanted>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] as JsonObject ?? new JsonObject();
            var diffId = JsonDocuments.GetString(entry, "diffId");
            int? parent = entry["parent"] is JsonValue v && v.TryGetValue<int>(out var p) ? p : null;
            if (!Digest.IsValid(diffId) || parent is < 0 || parent >= i)
            {
                throw new LayerToolsException("InvalidCacheConfig", ErrorKind.InvalidData, $"'{name}': layer {i + 1} of the cache config has no valid DiffID or names a parent that is not listed before it.", name);
            }

            var below = parent is { } at ? wanted[at].Below.Append(wanted[at].DiffId).ToList() : new List<string>();
            wanted.Add(new LayerFetcher.Wanted(manifest.Layers[i], diffId!, below));
        }

        return wanted;
    }

    /// <summary>Every layer of the stacks once, each with the index of the layer below it (first seen), parents first.</summary>
    private static List<(string DiffId, int? Parent)> Layers(IReadOnlyList<IReadOnlyList<string>> stacks)
    {
        var layers = new List<(string DiffId, int? Parent)>();
        var at = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var stack in stacks)
        {
            for (var i = 0; i < stack.Count; i++)
            {
                if (!at.ContainsKey(stack[i]))
                {
                    at[stack[i]] = layers.Count;
                    layers.Add((stack[i], i == 0 ? null : at[stack[i - 1]]));
                }
            }
        }

        return layers;
    }
}
