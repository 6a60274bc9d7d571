using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Images;

/// <summary>The images of a store: listing, resolving what a user typed, tagging, and reading their layers and history.</summary>
internal sealed class ImageCatalog
{
    public ImageCatalog(LayerStore store) => Store = store;

    public LayerStore Store { get; }

    public IReadOnlyList<StoredImage> List()
    {
        var list = new List<StoredImage>();
        foreach (var d in Store.ReadManifestDescriptors())
        {
            if (!MediaTypes.IsManifest(d.MediaType))
            {
                continue;
            }

            list.Add(new StoredImage(d, ImageNames.FromIndexAnnotations(d.Annotations)));
        }

        return list;
    }

    public ManifestDocument ReadManifest(string digest) =>
        ManifestDocument.Parse(Store.ReadBlob(digest, IngestLimits.Default.MaxConfigBytes), digest);

    public ConfigDocument ReadConfig(string digest) =>
        ConfigDocument.Parse(Store.ReadBlob(digest, IngestLimits.Default.MaxConfigBytes), digest);

    /// <summary>The manifest or config JSON exactly as stored (its bytes hash to its digest), as crane manifest and crane config print it.</summary>
    public string RawJson(StoredImage stored, ImageDocument document)
    {
        var digest = document == ImageDocument.Manifest ? stored.Manifest.Digest : ReadManifest(stored.Manifest.Digest).Config.Digest;
        return System.Text.Encoding.UTF8.GetString(Store.ReadBlob(digest, IngestLimits.Default.MaxConfigBytes));
    }

    public LayeredImage Load(StoredImage stored)
    {
        var manifest = ReadManifest(stored.Manifest.Digest);
        var config = ReadConfig(manifest.Config.Digest);
        long size = 0, remoteSize = 0;
        int remoteCount = 0, packedCount = 0;
        for (var i = 0; i < config.DiffIds.Count; i++)
        {
            var diffId = config.DiffIds[i];
            if (RemoteLayers.PackedBlob(Store, diffId) is { } packed)
            {
                // A packed layer: the compressed blob the store holds, until it is unpacked.
                size += Store.BlobSize(packed);
                packedCount++;
            }
            else if (Store.HasBlob(diffId))
            {
                size += Store.BlobSize(diffId);
            }
            else if (i < manifest.Layers.Count && RemoteLayers.Covers(Store, diffId, manifest.Layers[i].Digest))
            {
                // A remote layer: only its compressed blob's size is known (the manifest's), until it is fetched.
                remoteSize += manifest.Layers[i].Size;
                remoteCount++;
            }
        }

        return new LayeredImage
        {
            Name = stored.Reference?.Name,
            Tag = stored.Reference?.Tag,
            Id = manifest.Config.Digest,
            ManifestDigest = stored.Manifest.Digest,
            Created = config.Created,
            Size = size,
            RemoteSize = remoteSize,
            RemoteLayerCount = remoteCount,
            PackedLayerCount = packedCount,
            Layers = config.DiffIds,
            Architecture = config.Architecture,
            Os = config.Os,
            Variant = config.Variant,
            Author = config.Author,
            Config = config.ReadContainerConfig(),
            StorePath = Store.Root,
        };
    }

    /// <summary>Finds an image by name[:tag], full digest (image ID or manifest digest), or unique ID prefix.</summary>
    public StoredImage Resolve(string text)
    {
        var images = List();
        var trimmed = text.Trim();
        if (Digest.IsValid(trimmed))
        {
            var byDigest = images.FirstOrDefault(i => i.Manifest.Digest == trimmed)
                ?? images.FirstOrDefault(i => ConfigDigestOf(i) == trimmed);
            return byDigest ?? throw NotFound(text);
        }

        if (ImageReference.TryParse(trimmed, out var reference))
        {
            var key = reference!.ToString();
            var byName = images.FirstOrDefault(i => i.Reference?.ToString() == key);
            if (byName is not null)
            {
                return byName;
            }
        }

        if (HexPrefix.TryParse(trimmed, out var hex))
        {
            var matches = images.Where(i => HexPrefix.Begins(ConfigDigestOf(i), hex)).ToList();
            var ids = matches.Select(ConfigDigestOf).Distinct().Count();
            if (ids > 1)
            {
                throw new LayerToolsException("AmbiguousImageId", ErrorKind.InvalidArgument, $"'{text}' matches {ids} images; give more of the ID.", text);
            }

            if (matches.Count > 0)
            {
                return matches[0];
            }
        }

        throw NotFound(text);
    }

    /// <summary>Every index.json entry of the image that <paramref name="stored"/> names (all its tags).</summary>
    public IReadOnlyList<StoredImage> EntriesOf(StoredImage stored) =>
        List().Where(i => i.Manifest.Digest == stored.Manifest.Digest).ToList();

    public string ConfigDigestOf(StoredImage stored) => ReadManifest(stored.Manifest.Digest).Config.Digest;

    /// <summary>Names the image's manifest <paramref name="reference"/>, moving the name from any other image that had it.</summary>
    public StoredImage Tag(Descriptor manifest, ImageReference reference)
    {
        var tagged = Tagged(manifest, reference);
        Store.UpdateIndex(descriptors =>
        {
            // An image no name keeps any more may have been collected since it was looked up: a tag must not bring back a name for it.
            if (!descriptors.Any(d => d.Digest == manifest.Digest))
            {
                Store.RequireCompleteLocked(manifest.Digest, "it was tagged");
            }

            return ApplyTag(descriptors, tagged);
        });
        return new StoredImage(tagged, reference);
    }

    /// <summary>A copy of a manifest descriptor that carries <paramref name="reference"/> in both name annotations.</summary>
    public static Descriptor Tagged(Descriptor manifest, ImageReference? reference)
    {
        var d = new Descriptor(manifest.MediaType, manifest.Digest, manifest.Size) { Platform = manifest.Platform };
        if (reference is not null)
        {
            d.Annotations[MediaTypes.RefNameAnnotation] = reference.ToString();
            d.Annotations[MediaTypes.ContainerdNameAnnotation] = reference.FullName + ":" + reference.Tag;
        }

        return d;
    }

    /// <summary>Adds a tagged (or untagged) manifest to a descriptor list, as one index.json change.</summary>
    public static bool ApplyTag(List<Descriptor> descriptors, Descriptor tagged)
    {
        tagged.Annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var name);
        if (name is null)
        {
            // An untagged image is kept once, and only while nothing else names it.
            if (descriptors.Any(d => d.Digest == tagged.Digest))
            {
                return false;
            }

            descriptors.Add(tagged);
            return true;
        }

        var moved = descriptors.FirstOrDefault(d => d.Annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var n) && n == name);
        if (moved is not null && moved.Digest == tagged.Digest)
        {
            return false;
        }

        descriptors.RemoveAll(d => (d.Annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var n) && n == name)
            || (d.Digest == tagged.Digest && !d.Annotations.ContainsKey(MediaTypes.RefNameAnnotation)));
        descriptors.Add(tagged);
        if (moved is not null && !descriptors.Any(d => d.Digest == moved.Digest))
        {
            // The image that lost its only name stays, untagged, as Docker keeps a dangling image.
            descriptors.Add(Tagged(moved, null));
        }

        return true;
    }

    /// <summary>Removes one index.json entry: a tag, or an untagged image. Returns false when it was not there.</summary>
    public bool Untag(StoredImage stored)
    {
        var removed = false;
        Store.UpdateIndex(descriptors =>
        {
            var name = stored.Reference?.ToString();
            removed = descriptors.RemoveAll(d => d.Digest == stored.Manifest.Digest
                && (d.Annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var n) ? n == name : name is null)) > 0;
            return removed;
        });
        return removed;
    }

    /// <summary>History records, oldest first, each with the layer it made.</summary>
    public IReadOnlyList<HistoryEntry> History(StoredImage stored)
    {
        var image = ReadConfig(ReadManifest(stored.Manifest.Digest).Config.Digest);
        var label = stored.Reference?.ToString() ?? Digest.Short(ConfigDigestOf(stored));
        var result = new List<HistoryEntry>();
        var layer = 0;
        var records = image.History.Count > 0
            ? image.History
            : image.DiffIds.Select(_ => new HistoryRecord(image.Created, null, null, null, false)).ToList();
        for (var i = 0; i < records.Count; i++)
        {
            var h = records[i];
            string? diffId = null;
            long size = 0;
            RemoteLayer? remote = null;
            var packed = false;
            if (!h.EmptyLayer && layer < image.DiffIds.Count)
            {
                diffId = image.DiffIds[layer++];
                packed = RemoteLayers.IsPacked(Store, diffId);
                remote = Store.HasBlob(diffId) && !packed ? null : RemoteLayers.Get(Store, diffId);
                size = remote is null ? ContentBytes(Store.ReadLayerIndex(diffId)) : remote.Blob.Size;
            }

            result.Add(new HistoryEntry
            {
                Image = label,
                ImageId = i == records.Count - 1 ? ConfigDigestOf(stored) : HistoryEntry.MissingId,
                Index = i,
                Created = h.Created,
                CreatedBy = h.CreatedBy,
                Author = h.Author,
                Comment = h.Comment,
                EmptyLayer = diffId is null,
                Size = size,
                LayerDiffId = diffId,
                InRegistry = remote is not null && !packed,
                Packed = packed,
            });
        }

        return result;
    }

    /// <summary>
    /// What <c>docker history</c> shows as the size of a layer BuildKit made: the bytes of its regular
    /// files (a hard-linked file once), not the tar's size. (A layer docker unpacked from
    /// <c>docker load</c> or <c>import</c> also counts symbolic links' target lengths there.)
    /// </summary>
    public static long ContentBytes(LayerIndex index) => index.Entries.Where(e => e.Type == EntryType.File).Sum(e => e.Size);

    /// <summary>
    /// The layers of an image, base first. A remote or packed layer is described from the manifest alone (its
    /// blob's digest, size and media type; its size and file counts unknown) unless
    /// <paramref name="fetch"/>: then it is fetched (through the store's fetcher) or unpacked and read like the rest.
    /// </summary>
    public IReadOnlyList<LayerInfo> Layers(StoredImage stored, bool fetch = false)
    {
        var manifest = ReadManifest(stored.Manifest.Digest);
        var config = ReadConfig(manifest.Config.Digest);
        var history = History(stored).Where(h => h.LayerDiffId is not null).ToList();
        var chains = ChainId.All(config.DiffIds);
        var sharing = LayerUseCounts();
        var label = stored.Reference?.ToString() ?? Digest.Short(manifest.Config.Digest);
        var result = new List<LayerInfo>();
        if (fetch && config.DiffIds.Count > 0)
        {
            // The top layer first: every layer below that is not in the store comes with it, in one commit.
            Store.ReadLayerIndex(config.DiffIds[^1]);
        }

        for (var i = 0; i < config.DiffIds.Count; i++)
        {
            var diffId = config.DiffIds[i];
            var remote = RemoteLayers.Get(Store, diffId);
            var packed = RemoteLayers.IsPacked(Store, diffId);
            var index = fetch || remote is null || (Store.HasBlob(diffId) && !packed) ? Store.ReadLayerIndex(diffId) : null;
            var blob = i < manifest.Layers.Count ? manifest.Layers[i] : remote?.Blob;
            result.Add(new LayerInfo
            {
                Image = label,
                Index = i,
                DiffId = diffId,
                ChainId = chains[i],
                Size = index?.Size,
                FileCount = index?.FileCount,
                WhiteoutCount = index is null ? null : index.Entries.Count - index.FileCount,
                InRegistry = index is null && !packed,
                Packed = index is null && packed,
                Digest = blob?.Digest ?? diffId,
                BlobSize = blob?.Size ?? 0,
                MediaType = blob?.MediaType ?? string.Empty,
                CreatedBy = i < history.Count ? history[i].CreatedBy : null,
                SharedBy = sharing.TryGetValue(diffId, out var n) ? n : 0,
                StorePath = Store.Root,
            });
        }

        return result;
    }

    /// <summary>How many distinct images (by config digest) use each DiffID.</summary>
    public Dictionary<string, int> LayerUseCounts()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in List())
        {
            ConfigDocument config;
            try
            {
                var manifest = ReadManifest(image.Manifest.Digest);
                if (!seen.Add(manifest.Config.Digest))
                {
                    continue;
                }

                config = ReadConfig(manifest.Config.Digest);
            }
            catch (LayerToolsException)
            {
                continue;
            }

            foreach (var diffId in config.DiffIds.Distinct())
            {
                counts[diffId] = counts.TryGetValue(diffId, out var n) ? n + 1 : 1;
            }
        }

        return counts;
    }

    /// <summary>The merged view of an image's layers.</summary>
    public UnionView Union(StoredImage stored)
    {
        var config = ReadConfig(ReadManifest(stored.Manifest.Digest).Config.Digest);
        return UnionView.Build(config.DiffIds.Select(Store.ReadLayerIndex));
    }

    private LayerToolsException NotFound(string text)
    {
        // A name without a tag means name:latest, as docker reads it: say so, since that is what was looked for.
        var named = ImageReference.TryParse(text.Trim(), out var reference) && reference!.ToString() != text.Trim()
            ? $"'{reference}' ('{text}' without a tag means the tag latest)"
            : $"'{text}'";
        return new("ImageNotFound", ErrorKind.ObjectNotFound, Store.Exists
            ? $"No image {named} in the store '{Store.Root}'. Get-LayeredImage lists the images there."
            : $"No image {named}: there is no store at '{Store.Root}'. Check -StorePath.", text);
    }
}
