using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Everything an export writes, worked out before the first byte goes out: each image's manifest,
/// config and layers (compressed forms made or found), and the blobs in the order they are written.
/// With no compression the store's own manifest is exported as it is, so its digest is kept.
/// </summary>
internal sealed class ExportPlan
{
    public List<ExportedImage> Images { get; } = new();

    public List<ExportBlob> Blobs { get; } = new();

    public long TotalBytes => Blobs.Sum(b => b.Size);

    /// <param name="lease">Holds every blob the export reads, so a collector running meanwhile leaves them.</param>
    /// <param name="layoutBlobs">
    /// For an export to an OCI layout: makes the layout and returns its <c>blobs/sha256</c>. A layer
    /// compressed now is written there as well as into the store, in the same pass, so the layout writer
    /// finds it in place instead of reading it back from the store and writing it a second time.
    /// </param>
    public static ExportPlan Create(LayerStore store, IReadOnlyList<StoredImage> images, LayerCompression compression, ProgressReporter reporter, CancellationToken cancellationToken, Lease? lease = null, Func<string>? layoutBlobs = null)
    {
        var plan = new ExportPlan();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in images.GroupBy(i => i.Manifest.Digest, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var names = group.Select(i => i.Reference).OfType<ImageReference>().DistinctBy(r => r.ToString()).ToList();
            lease?.TryHold(group.Key, cancellationToken);
            var manifestBytes = ReadVerified(store, group.Key, "image manifest");
            var manifest = ManifestDocument.Parse(manifestBytes, group.Key);
            lease?.TryHold(manifest.Config.Digest, cancellationToken);
            var configBytes = ReadVerified(store, manifest.Config.Digest, "image config");
            var config = ConfigDocument.Parse(configBytes, manifest.Config.Digest);
            var label = names.Count > 0 ? names[0].ToString() : Digest.Short(manifest.Config.Digest);

            var layers = new List<Descriptor>();
            for (var i = 0; i < config.DiffIds.Count; i++)
            {
                var layer = KnownLayer(store, manifest, config.DiffIds, i, compression, label, cancellationToken, lease);
                if (layer is null)
                {
                    var diffId = config.DiffIds[i];
                    var activity = $"Compressing layer {Digest.Short(diffId)} ({LayerCodec.Name(compression)})";
                    var status = $"Layer {i + 1} of {config.DiffIds.Count} of {label}";
                    var progress = reporter.Child(activity, status, store.BlobSize(diffId));
                    layer = lease is not null && layoutBlobs is not null
                        ? CompressInto(layoutBlobs(), store, diffId, compression, progress, cancellationToken, lease)
                        : CompressedLayerCache.GetOrCreate(store, diffId, compression, progress, cancellationToken, lease);
                    reporter.ChildDone(activity, status);
                }

                layers.Add(layer);
            }

            var (exportedBytes, manifestDescriptor) = Manifest(manifestBytes, manifest, config, layers);
            plan.Images.Add(new ExportedImage(manifestDescriptor, manifest.Config, layers, config.DiffIds, names));
            plan.Add(seen, new ExportBlob(manifest.Config.Digest, configBytes.Length, "image config", configBytes));
            foreach (var layer in layers)
            {
                plan.Add(seen, new ExportBlob(layer.Digest, layer.Size, "layer"));
            }

            plan.Add(seen, new ExportBlob(manifestDescriptor.Digest, exportedBytes.Length, "image manifest", exportedBytes));
        }

        return plan;
    }

    /// <summary>
    /// How layer <paramref name="index"/> is exported when that needs no compressing now: a packed
    /// layer's blob in the compression asked for, a remote layer's registry blob, the layer itself uncompressed, or its remembered compressed form. Null
    /// when it must be compressed first (the layer is checked to be in the store).
    /// </summary>
    public static Descriptor? KnownLayer(LayerStore store, ManifestDocument manifest, IReadOnlyList<string> diffIds, int index, LayerCompression compression, string label, CancellationToken cancellationToken, Lease? lease = null)
    {
        var diffId = diffIds[index];
        var packed = RemoteLayers.PackedBlob(store, diffId);
        if (compression != LayerCompression.None && index < manifest.Layers.Count && manifest.Layers[index] is { } blob
            && (blob.Digest == packed || (blob.Digest != diffId && store.HasBlob(blob.Digest) && RemoteLayers.Covers(store, diffId, blob.Digest)))
            && LayerCodec.FromMediaType(blob.MediaType) == compression && (lease?.TryHold(blob.Digest, cancellationToken) ?? true))
        {
            // A pulled layer goes as the blob the image was pulled as, unpacked or not: the packed one, or
            // this image's own when another image's blob for the same DiffID is the one the record names.
            return blob;
        }

        if (RemoteLayers.IsRemote(store, diffId) && (compression == LayerCompression.None || packed is not null))
        {
            store.ReadLayerIndex(diffId); // fetches or unpacks it: the export needs the layer itself (uncompressed, or compressed otherwise than it was pulled)
        }
        else if (RemoteLayers.IsRemote(store, diffId) && index < manifest.Layers.Count && RemoteLayers.Covers(store, diffId, manifest.Layers[index].Digest))
        {
            // A remote layer goes as the registry's blob (a push mounts it; a file export fetches it when it is written).
            return manifest.Layers[index];
        }

        if (!(lease?.TryHold(diffId, cancellationToken) ?? store.HasBlob(diffId)))
        {
            throw new LayerToolsException("BlobNotFound", ErrorKind.ObjectNotFound, $"Layer {diffId} of '{label}' is missing from the store '{store.Root}'; run Test-LayerStore.", diffId);
        }

        return compression == LayerCompression.None
            ? new Descriptor(MediaTypes.OciLayer, diffId, store.BlobSize(diffId))
            : CompressedLayerCache.TryGet(store, diffId, compression);
    }

    /// <summary>The manifest an image is exported with: the store's own bytes when its layers are exported as they are, else an OCI manifest of <paramref name="layers"/>.</summary>
    public static (byte[] Bytes, Descriptor Manifest) Manifest(byte[] manifestBytes, ManifestDocument manifest, ConfigDocument config, IReadOnlyList<Descriptor> layers)
    {
        // An index loop, not Zip: LINQ over value tuples is JIT-compiled anew in every session.
        var sameAsStore = manifest.Layers.Count == layers.Count;
        for (var i = 0; sameAsStore && i < layers.Count; i++)
        {
            sameAsStore = manifest.Layers[i].Digest == layers[i].Digest && manifest.Layers[i].Size == layers[i].Size && manifest.Layers[i].MediaType == layers[i].MediaType;
        }

        var bytes = sameAsStore ? manifestBytes : ManifestDocument.Create(manifest.Config, layers);
        return (bytes, new Descriptor(sameAsStore ? manifest.MediaType : MediaTypes.OciManifest, Digest.Of(bytes), bytes.Length) { Platform = PlatformOf(config) });
    }

    /// <summary>
    /// Compresses a layer into the store and, in the same pass, into <paramref name="blobs"/> (a layout's
    /// <c>blobs/sha256</c>) beside its place, owned by <paramref name="lease"/>; the copy is renamed in
    /// once the layer is checked against its DiffID and the store holds it. On any failure it is removed.
    /// </summary>
    private static Descriptor CompressInto(string blobs, LayerStore store, string diffId, LayerCompression compression, Action<long> progress, CancellationToken cancellationToken, Lease lease)
    {
        var tmp = lease.OwnedPathBeside(Path.Combine(blobs, Digest.Hex(diffId)));
        try
        {
            Descriptor layer;
            using (var copy = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                // Both copies start going to disk as they are written, and are flushed to disk at the same time.
                var behind = new WriteBehindStream(copy);
                layer = CompressedLayerCache.Create(store, diffId, compression, behind, progress, cancellationToken, lease, syncAlongside: () =>
                {
                    behind.Flush();
                    copy.Flush(flushToDisk: true);
                });
            }

            File.Move(tmp, Path.Combine(blobs, Digest.Hex(layer.Digest)), overwrite: true);
            return layer;
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    private void Add(HashSet<string> seen, ExportBlob blob)
    {
        if (seen.Add(blob.Digest))
        {
            Blobs.Add(blob);
        }
    }

    public static byte[] ReadVerified(LayerStore store, string digest, string what)
    {
        var bytes = store.ReadBlob(digest, IngestLimits.Default.MaxConfigBytes);
        if (Digest.Of(bytes) != digest)
        {
            throw new LayerToolsException("StoreCorrupt", ErrorKind.InvalidData, $"The {what} {digest} in the store '{store.Root}' does not match its digest; nothing was exported. Run Test-LayerStore.", digest);
        }

        return bytes;
    }

    private static JsonObject PlatformOf(ConfigDocument config)
    {
        var platform = new JsonObject { ["architecture"] = config.Architecture, ["os"] = config.Os };
        if (config.Variant is { Length: > 0 } variant)
        {
            platform["variant"] = variant;
        }

        return platform;
    }

    /// <summary>The index.json entries: one per name (both name annotations), or one without a name for an untagged image.</summary>
    public List<Descriptor> IndexDescriptors()
    {
        var list = new List<Descriptor>();
        foreach (var image in Images)
        {
            if (image.Names.Count == 0)
            {
                list.Add(ImageCatalog.Tagged(image.Manifest, null));
            }

            list.AddRange(image.Names.Select(name => ImageCatalog.Tagged(image.Manifest, name)));
        }

        return list;
    }

    public static byte[] IndexJson(JsonObject? existing, IEnumerable<Descriptor> descriptors)
    {
        var index = existing ?? new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex };
        index["manifests"] = new JsonArray(descriptors.Select(d => (JsonNode)d.ToJson()).ToArray());
        return JsonDocuments.ToUtf8Bytes(index);
    }

    /// <summary>docker-archive's manifest.json: config and layer paths into blobs/sha256/, and the familiar names (null for an untagged image, as Docker writes).</summary>
    public byte[] DockerManifestJson()
    {
        var items = new JsonArray();
        foreach (var image in Images)
        {
            JsonNode? tags = image.Names.Count == 0 ? null : new JsonArray(image.Names.Select(n => (JsonNode)JsonValue.Create(FamiliarTag(n))).ToArray());
            items.Add(new JsonObject
            {
                ["Config"] = OciLayoutReader.BlobPath(image.Config.Digest),
                ["RepoTags"] = tags,
                ["Layers"] = new JsonArray(image.Layers.Select(l => (JsonNode)JsonValue.Create(OciLayoutReader.BlobPath(l.Digest))).ToArray()),
            });
        }

        return JsonDocuments.ToUtf8Bytes(items);
    }

    /// <summary>docker-archive's legacy repositories file: familiar name → tag → the top layer's ID, names and tags in ordinal order; null when no image has a name.</summary>
    public byte[]? RepositoriesJson()
    {
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var image in Images.Where(i => i.DiffIds.Count > 0))
        {
            foreach (var name in image.Names)
            {
                var familiar = ImageNames.Familiar(name.Name);
                if (!repositories.TryGetValue(familiar, out var tags))
                {
                    repositories[familiar] = tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
                }

                tags[name.Tag] = Digest.Hex(image.DiffIds[^1]);
            }
        }

        if (repositories.Count == 0)
        {
            return null;
        }

        var json = new JsonObject();
        foreach (var (familiar, tags) in repositories)
        {
            var tagsJson = new JsonObject();
            foreach (var (tag, id) in tags)
            {
                tagsJson[tag] = id;
            }

            json[familiar] = tagsJson;
        }

        return JsonDocuments.ToUtf8Bytes(json);
    }

    private static string FamiliarTag(ImageReference name) => ImageNames.Familiar(name.Name) + ":" + name.Tag;
}
