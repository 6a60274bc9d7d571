using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// Pulls an image into the store, as <c>docker pull</c> does. The manifest (and, through an index,
/// the platform's manifest) and config are kept byte-exact; every blob is checked against its digest
/// while it streams in and kept as it came, compressed: the layers stay <em>packed</em> (see
/// <see cref="RemoteLayers"/>) until the first operation that needs their files unpacks them, with no
/// network, checking each against its DiffID then (as containerd keeps its content store apart from
/// its snapshots). So a pull does what <c>skopeo copy</c> does, and a push sends the same blobs back.
/// Layers the store has unpacked already stay as they are. The store changes only at the end, under
/// its lock; a failure or Ctrl+C leaves nothing tagged.
/// </summary>
internal static class ImagePuller
{
    public static StoredImage Pull(LayerStore store, RegistryClient client, ImageReference reference, string? platform, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var repository = reference.Repository;
        var name = NameOf(reference);
        var reporter = new ProgressReporter(progress, $"Pulling {name}");
        reporter.Report("Reading the manifest", 0, 1);
        var image = Read(client, reference, name, platform, cancellationToken);
        var (manifest, config) = (image.Manifest, image.Config);
        using var staging = store.BeginStaging();
        var downloads = PackedDownload.Plan(staging, manifest, IngestLimits.Default, name);
        var transfers = new TransferProgress(progress, $"Pulling {name}", downloads.Count, i => "Layer " + Digest.Short(downloads[i].Blob.Digest), i => $"Downloading {downloads[i].Blob.Digest}", i => downloads[i].Blob.Size);
        using (var queue = new TransferQueue(downloads.Count, client.Options.MaxConcurrentTransfers, (i, token) => downloads[i].Fetch(staging, client, repository, name, transfers, i, token), cancellationToken))
        {
            for (var i = 0; i < downloads.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                queue.WaitFor(i, () => transfers.Report($"Downloading; waiting for layer {i + 1} of {downloads.Count} {Digest.Short(downloads[i].Blob.Digest)}"));
                downloads[i].Keep(staging);
            }

            transfers.Report("Downloaded", force: true);
        }

        // Each layer the store has not unpacked stays packed: a record of its blob (here now) and
        // where it came from, unpacked over the layers below it by the first operation that needs its
        // files. The commit writes the records, under the store lock, before its check that every
        // layer is in the store or recorded: a pull that fails or is stopped changes no record. An
        // existing record (another image's blob for the same DiffID, maybe in another compression)
        // gets this blob beside its own, never instead: the layer unpacks from a blob in the store,
        // and each image keeps its own blob (its manifest names it).
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            if (!File.Exists(store.LayerIndexPath(config.DiffIds[i])))
            {
                staging.AddRemoteLayer(RecordOf(client, repository, manifest, config, i));
            }
        }

        reporter.Report("Committing to the store", 1, 1);
        var stored = Commit(staging, image, reference, named: true, cancellationToken);
        reporter.Done($"Pulled {name}");
        return stored;
    }

    /// <summary>
    /// Takes only the manifest and config of an image into the store, tagged as a pull tags it: each
    /// layer the store lacks becomes a remote layer (a record of its blob and repository), fetched by
    /// the first operation that needs its files. A build whose steps read no file of its base, pushed
    /// to the same registry, then moves no byte of the base (its blobs are mounted). Returns the image
    /// and how many of its layers are remote.
    /// </summary>
    /// <param name="named">False to leave index.json alone (a command that only reads the image): manifest and config are staged as blobs nothing names, which a collect removes.</param>
    public static (StoredImage Image, int Remote) PullManifest(LayerStore store, RegistryClient client, ImageReference reference, string? platform, CancellationToken cancellationToken, bool named = true)
    {
        var repository = reference.Repository;
        var image = Read(client, reference, NameOf(reference), platform, cancellationToken);
        var (manifest, config) = (image.Manifest, image.Config);
        using var staging = store.BeginStaging();
        var remote = 0;
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var diffId = config.DiffIds[i];
            var layer = manifest.Layers[i];
            if (staging.HasBlob(diffId) && staging.HasBlob(layer.Digest))
            {
                continue;
            }

            if (!staging.HasBlob(diffId))
            {
                remote++;
            }

            // Recorded by the commit, beside any blob a record names already (another image's, in
            // another compression): the image that named that one stays whole.
            staging.AddRemoteLayer(RecordOf(client, repository, manifest, config, i));
        }

        return (Commit(staging, image, reference, named, cancellationToken), remote);
    }

    /// <summary>The name a pull reports and its errors give: the full repository and the tag, or the digest.</summary>
    private static string NameOf(ImageReference reference) =>
        reference.FullName + (reference.Digest is null ? ":" + reference.Tag : "@" + reference.Digest);

    /// <summary>
    /// What a pull reads before any layer blob: the manifest (through an index, the platform's) and the
    /// config, each checked against its digest, and their layer counts against each other.
    /// </summary>
    private static RemoteImage Read(RegistryClient client, ImageReference reference, string name, string? platform, CancellationToken cancellationToken)
    {
        var repository = reference.Repository;
        var fetched = client.GetManifest(repository, reference.Digest ?? reference.Tag, cancellationToken);
        if (MediaTypes.IsIndex(fetched.MediaType))
        {
            fetched = client.GetManifest(repository, PlatformSelector.Select(fetched.Json, platform, name).Digest, cancellationToken);
        }

        var manifest = ManifestDocument.Parse(fetched.Bytes, name, fetched.MediaType);
        var configBytes = ReadSmallBlob(client, repository, manifest.Config, IngestLimits.Default.MaxConfigBytes, name, cancellationToken);
        var config = ConfigDocument.Parse(configBytes, name);
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{name}': the manifest lists {manifest.Layers.Count} layers but the config {config.DiffIds.Count} DiffIDs.", name);
        }

        return new RemoteImage(fetched, manifest, configBytes, config);
    }

    /// <summary>
    /// Stages the image's config and manifest and commits what is staged: tagged as <c>docker pull</c>
    /// tags it (its tag, also when pulled by tag and digest; none when pulled by digest alone), or, when
    /// not <paramref name="named"/>, with index.json left alone.
    /// </summary>
    private static StoredImage Commit(StagingArea staging, RemoteImage image, ImageReference reference, bool named, CancellationToken cancellationToken)
    {
        staging.AddBytes(image.ConfigBytes);
        staging.AddBytes(image.Fetched.Bytes);
        var descriptor = new Descriptor(image.Manifest.MediaType, image.Fetched.Digest, image.Fetched.Bytes.Length);
        if (!named)
        {
            staging.Commit(null, cancellationToken);
            return new StoredImage(descriptor, reference);
        }

        var tag = reference.Digest is null || reference.ExplicitTag ? ImageReference.Parse(reference.FullName + ":" + reference.Tag) : null;
        var tagged = ImageCatalog.Tagged(descriptor, tag);
        staging.Commit(descriptors => ImageCatalog.ApplyTag(descriptors, tagged), cancellationToken);
        return new StoredImage(tagged, tag);
    }

    /// <summary>The remote-layer record of the image's layer <paramref name="i"/>: its blob, where it is, and the DiffIDs below it.</summary>
    private static RemoteLayer RecordOf(RegistryClient client, string repository, ManifestDocument manifest, ConfigDocument config, int i)
    {
        var layer = manifest.Layers[i];
        return new RemoteLayer(config.DiffIds[i], new Descriptor(layer.MediaType, layer.Digest, layer.Size), client.Endpoint.Domain, repository, config.DiffIds.Take(i).ToList());
    }

    public static byte[] ReadSmallBlob(RegistryClient client, string repository, Descriptor descriptor, long limit, string name, CancellationToken cancellationToken)
    {
        var where = $"{name} config {descriptor.Digest}";
        if (descriptor.Size > limit)
        {
            throw new LayerToolsException("ConfigTooLarge", ErrorKind.LimitsExceeded, $"'{where}' is {descriptor.Size} bytes, more than the {limit} allowed for a config.", where);
        }

        using var response = OpenBlob(client, repository, descriptor.Digest, where, cancellationToken);
        var bytes = RegistryClient.ReadLimited(response, (int)limit, "config", where);
        LayerIngest.CheckReceived(where, Digest.Of(bytes), bytes.Length, descriptor.Digest, null);
        return bytes;
    }

    private static HttpResponseMessage OpenBlob(RegistryClient client, string repository, string digest, string where, CancellationToken cancellationToken)
    {
        var response = client.Send(HttpMethod.Get, $"/v2/{repository}/blobs/{digest}", RegistryClient.PullScope(repository), cancellationToken, RegistryClient.AcceptAnything);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw RegistryErrors.FromResponse(response, where, where);
            }
        }

        return response;
    }

    /// <summary>An image as a registry serves it, before its layers: the manifest fetched (its bytes and digest) and parsed, the config's bytes and parsed form.</summary>
    private sealed record RemoteImage(FetchedManifest Fetched, ManifestDocument Manifest, byte[] ConfigBytes, ConfigDocument Config);
}
