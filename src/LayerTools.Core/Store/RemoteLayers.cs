using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Store;

/// <summary>
/// The store's records of remote layers, <c>layertools/remote/&lt;DiffID hex&gt;.json</c>: a layer an image
/// in the store lists whose blob is still only in a registry (a FROM image a build read only the
/// manifest and config of, the layers of a -CacheFrom cache image). An image may stand on remote
/// layers: its manifest names their compressed blobs, the commit check and Test-LayerStore accept a
/// record in place of the blob, a push mounts the blob from the record's repository, and the first
/// operation that needs the files fetches it (<see cref="IRemoteLayerFetcher"/>). A pull leaves its
/// layers <em>packed</em>: the record, and the compressed blob it names in the store (checked against
/// its digest), not yet inflated, DiffID-checked or indexed; the first operation that needs the files
/// unpacks it there, with no network (<see cref="ILayerUnpacker"/>). Once the layer is unpacked (its
/// DiffID blob and entry index in the store) the record only says where it came from.
/// </summary>
internal static class RemoteLayers
{
    public static string Folder(LayerStore store) => Path.Combine(store.DataDir, "remote");

    public static string RecordPath(LayerStore store, string diffId) => Path.Combine(Folder(store), Digest.Hex(diffId) + ".json");

    /// <summary>
    /// The record of a layer, whether or not its blob has been fetched since; null when there is none (or
    /// it is unreadable). Of the blobs it names, one in the store comes first (<see cref="RemoteLayer.Blob"/>):
    /// the layer unpacks from it with no network.
    /// </summary>
    public static RemoteLayer? Get(LayerStore store, string diffId)
    {
        var layer = Stored(store, diffId);
        return layer is not null && !store.HasBlob(layer.Blob.Digest) && layer.Others.FirstOrDefault(o => store.HasBlob(o.Blob.Digest)) is { } here
            ? layer.From(here)
            : layer;
    }

    /// <summary>The record as it is written, its blobs in their order.</summary>
    private static RemoteLayer? Stored(LayerStore store, string diffId)
    {
        if (!Digest.IsValid(diffId))
        {
            return null;
        }

        var path = RecordPath(store, diffId);
        return File.Exists(path) && Read(path) is { } layer && layer.DiffId == diffId ? layer : null;
    }

    /// <summary>True when the layer's blob is not in the store but a record says where it is (in a registry, or packed here).</summary>
    public static bool IsRemote(LayerStore store, string diffId) => !store.HasBlob(diffId) && Get(store, diffId) is not null;

    /// <summary>True when the layer is packed: not unpacked (no entry index), and its record's compressed blob is in the store.</summary>
    public static bool IsPacked(LayerStore store, string diffId) => PackedBlob(store, diffId) is not null;

    /// <summary>True when the layer's blob is only in a registry: not unpacked, not packed, a record saying where.</summary>
    public static bool IsInRegistry(LayerStore store, string diffId) =>
        !store.HasBlob(diffId) && Get(store, diffId) is { } layer && !store.HasBlob(layer.Blob.Digest);

    /// <summary>The packed layer's compressed blob in the store (what an operation that stands on the layer holds), null when the layer is not packed.</summary>
    public static string? PackedBlob(LayerStore store, string diffId) =>
        Digest.IsValid(diffId) && !File.Exists(store.LayerIndexPath(diffId)) && Get(store, diffId) is { } layer && store.HasBlob(layer.Blob.Digest) ? layer.Blob.Digest : null;

    /// <summary>
    /// The blob an operation that stands on the layer holds in its lease: the layer's own when it is in the
    /// store, its compressed blob when it is packed, null when it is only in a registry (nothing here to hold).
    /// A layer the store does not know at all gives its DiffID, so the lease names what is missing.
    /// </summary>
    public static string? HeldBlob(LayerStore store, string diffId)
    {
        if (store.HasBlob(diffId) || Get(store, diffId) is not { } layer)
        {
            return diffId;
        }

        return store.HasBlob(layer.Blob.Digest) ? layer.Blob.Digest : null;
    }

    /// <summary>
    /// True when the store knows the layer from a record and an image's blob for it, <paramref name="blobDigest"/>
    /// (any blob when null), is one the record names or is in the store: two images may hold one DiffID in
    /// two compressed blobs (the same layer compressed by two tools); the record names each blob an image
    /// brought (<see cref="Add"/>), the layer unpacks from one in the store, and each image keeps (and
    /// pushes, or mounts) its own.
    /// </summary>
    public static bool Covers(LayerStore store, string diffId, string? blobDigest = null) =>
        Get(store, diffId) is { } layer && (blobDigest is null || layer.Sources.Any(s => s.Blob.Digest == blobDigest) || store.HasBlob(blobDigest));

    /// <summary>The remote layer one of whose compressed blobs is <paramref name="blobDigest"/>, with that blob as its own (where to mount or fetch it from), if the store has a record of one.</summary>
    public static RemoteLayer? ForBlob(LayerStore store, string blobDigest) =>
        Records(store).Select(r => r.Layer).OfType<RemoteLayer>()
            .Select(l => l.Sources.FirstOrDefault(s => s.Blob.Digest == blobDigest) is { } source ? l.From(source) : null)
            .FirstOrDefault(l => l is not null);

    /// <summary>
    /// Records that <paramref name="layer"/>'s blob holds the layer: a new record, or one more blob of an
    /// existing record (which keeps its blobs, their order and the layers below). It only ever adds, and
    /// runs in a commit under the store lock (<see cref="StagingArea.AddRemoteLayer"/>): its read and
    /// write of the record are one step, so two processes recording blobs of one DiffID both keep theirs.
    /// </summary>
    public static void Add(LayerStore store, RemoteLayer layer)
    {
        if (Stored(store, layer.DiffId) is not { } known)
        {
            Remember(store, layer);
        }
        else if (!known.Sources.Any(s => s.Blob.Digest == layer.Blob.Digest))
        {
            Remember(store, known with { Others = [.. known.Others, new RemoteBlob(layer.Blob, layer.Registry, layer.Repository)] });
        }
    }

    /// <summary>
    /// Writes the record of <paramref name="layer"/>, replacing any. Its first blob in the fields a
    /// record has always had (so an older LayerTools reads it), the others, when there are, in <c>others</c>.
    /// </summary>
    public static void Remember(LayerStore store, RemoteLayer layer)
    {
        var record = WriteBlob(new JsonObject { ["diffId"] = layer.DiffId }, new RemoteBlob(layer.Blob, layer.Registry, layer.Repository));
        record["below"] = new JsonArray(layer.Below.Select(d => (JsonNode)JsonValue.Create(d)).ToArray());
        if (layer.Others.Count > 0)
        {
            record["others"] = new JsonArray(layer.Others.Select(o => (JsonNode)WriteBlob(new JsonObject(), o)).ToArray());
        }

        store.Access.CreateFolder(store.DataDir);
        store.Access.CreateFolder(Folder(store));
        store.WriteFile(RecordPath(store, layer.DiffId), JsonSerializer.SerializeToUtf8Bytes(record));
    }

    /// <summary>Every record: its file and the layer it names (null when unreadable).</summary>
    public static IEnumerable<(string Path, RemoteLayer? Layer)> Records(LayerStore store)
    {
        var folder = Folder(store);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var layer = Read(path);
            yield return (path, layer is not null && Digest.Hex(layer.DiffId) == Path.GetFileNameWithoutExtension(path) ? layer : null);
        }
    }

    /// <summary>The descriptor a manifest gives a layer of a new image: the uncompressed blob by DiffID when the store has it, else the remote layer's compressed blob.</summary>
    /// <remarks>The size is the blob's (one stat): the layer's entry index, which says the same, is not parsed (a no-op rebuild of a 50,000-file COPY once read its whole index only for this).</remarks>
    public static Descriptor LayerDescriptor(LayerStore store, string diffId) =>
        !store.HasBlob(diffId) && Get(store, diffId) is { } remote
            ? new Descriptor(remote.Blob.MediaType, remote.Blob.Digest, remote.Blob.Size)
            : new Descriptor(MediaTypes.OciLayer, diffId, store.BlobSize(diffId));

    /// <summary>Writes one blob of a record into <paramref name="o"/>: media type, digest, size, registry and repository (what <see cref="ReadBlob"/> reads).</summary>
    private static JsonObject WriteBlob(JsonObject o, RemoteBlob blob)
    {
        o["mediaType"] = blob.Blob.MediaType;
        o["digest"] = blob.Blob.Digest;
        o["size"] = blob.Blob.Size;
        o["registry"] = blob.Registry;
        o["repository"] = blob.Repository;
        return o;
    }

    /// <summary>One blob of a record: media type, digest, size, registry and repository; null when one is missing or not what it should be.</summary>
    private static RemoteBlob? ReadBlob(JsonObject? o)
    {
        var digest = (string?)o?["digest"];
        var mediaType = (string?)o?["mediaType"];
        var size = o?["size"]?.GetValue<long>();
        var registry = (string?)o?["registry"];
        var repository = (string?)o?["repository"];
        return !Digest.IsValid(digest) || mediaType is null || size is null || string.IsNullOrEmpty(registry) || string.IsNullOrEmpty(repository)
            ? null
            : new RemoteBlob(new Descriptor(mediaType, digest!, size.Value), registry, repository);
    }

    private static RemoteLayer? Read(string path)
    {
        try
        {
            var o = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject;
            var diffId = (string?)o?["diffId"];
            var below = (o?["below"] as JsonArray)?.Select(n => (string?)n).ToList();
            // A record before session 7 has no "others": one blob.
            var others = (o?["others"] as JsonArray ?? new JsonArray()).Select(n => ReadBlob(n as JsonObject)).ToList();
            if (!Digest.IsValid(diffId) || ReadBlob(o) is not { } first || below is null || below.Any(b => !Digest.IsValid(b)) || others.Any(b => b is null))
            {
                return null;
            }

            return new RemoteLayer(diffId!, first.Blob, first.Registry, first.Repository, below!) { Others = others! };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or IOException)
        {
            return null;
        }
    }
}
