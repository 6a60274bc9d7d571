using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Registry;

/// <summary>
/// Pulls an image into the store, as <c>docker pull</c> does. The manifest (and, through an index,
/// the platform's manifest) and config are kept byte-exact; every blob is checked against its digest
/// and every layer against its DiffID while it streams in; layers are staged uncompressed by DiffID,
/// the registry's compressed blob kept beside as the layer's compressed form (so a push sends the
/// same blobs back). The store changes only at the end, under its lock; a failure or Ctrl+C leaves it as it was.
/// </summary>
internal static class ImagePuller
{
    public static StoredImage Pull(LayerStore store, RegistryClient client, ImageReference reference, string? platform, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var repository = reference.Repository;
        var name = reference.FullName + (reference.Digest is null ? ":" + reference.Tag : "@" + reference.Digest);
        var reporter = new ProgressReporter(progress, $"Pulling {name}");
        reporter.Report("Reading the manifest", 0, 1);
        var fetched = client.GetManifest(repository, reference.Digest ?? reference.Tag, cancellationToken);
        if (MediaTypes.IsIndex(fetched.MediaType))
        {
            var chosen = PlatformSelector.Select(fetched.Json, platform, name);
            fetched = client.GetManifest(repository, chosen.Digest, cancellationToken);
        }

        var manifest = ManifestDocument.Parse(fetched.Bytes, name, fetched.MediaType);
        var limits = IngestLimits.Default;
        var configBytes = ReadSmallBlob(client, repository, manifest.Config, limits.MaxConfigBytes, name, cancellationToken);
        var config = ConfigDocument.Parse(configBytes, name);
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{name}': the manifest lists {manifest.Layers.Count} layers but the config {config.DiffIds.Count} DiffIDs.", name);
        }

        using var staging = store.BeginStaging();
        var layers = LayerDownload.Plan(staging, manifest, config);
        var transfers = new TransferProgress(progress, $"Pulling {name}", layers.Select(d => ("Layer " + Digest.Short(d.Layer.Digest), $"Downloading {d.Layer.Digest}", d.Layer.Size)));
        var view = new UnionView();
        var compressedForms = new List<IngestedLayer>();
        using (var queue = new TransferQueue(layers.Count, client.Options.MaxConcurrentTransfers, (i, token) => layers[i].Fetch(client, repository, name, limits, transfers, i, token), cancellationToken))
        {
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var diffId = config.DiffIds[i];
                LayerIndex index;
                if (staging.HasBlob(diffId) && staging.HasBlob(manifest.Layers[i].Digest))
                {
                    index = staging.ReadLayerIndex(diffId);
                }
                else
                {
                    var download = layers.First(d => d.Layer.Digest == manifest.Layers[i].Digest);
                    var status = $"Layer {i + 1} of {manifest.Layers.Count} {Digest.Short(download.Layer.Digest)}";
                    queue.WaitFor(layers.IndexOf(download), () => transfers.Report("Downloading; waiting for " + status));
                    transfers.Report("Indexing " + status, force: true);
                    var ingested = download.Ingest(staging, name, view, limits, cancellationToken);
                    if (ingested.Index.DiffId != diffId)
                    {
                        throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{name}': layer {i + 1} ({download.Layer.Digest}) has the DiffID {ingested.Index.DiffId}, but the config lists {diffId}; the image was damaged or altered.", name);
                    }

                    index = ingested.Index;
                    if (ingested.Compression != LayerCompression.None)
                    {
                        compressedForms.Add(ingested);
                    }
                }

                view.Apply(index);
            }

            transfers.Report("Downloaded", force: true);
        }

        staging.AddBytes(configBytes);
        staging.AddBytes(fetched.Bytes);
        var descriptor = new Descriptor(manifest.MediaType, fetched.Digest, fetched.Bytes.Length);
        var tag = reference.Digest is null || reference.ExplicitTag ? ImageReference.Parse(reference.FullName + ":" + reference.Tag) : null;
        reporter.Report("Committing to the store", 1, 1);
        var tagged = ImageCatalog.Tagged(descriptor, tag);
        staging.Commit(descriptors => ImageCatalog.ApplyTag(descriptors, tagged), cancellationToken);
        LayerFetcher.Remember(store, compressedForms);

        reporter.Done($"Pulled {name}");
        return new StoredImage(tagged, tag);
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
        var name = reference.FullName + (reference.Digest is null ? ":" + reference.Tag : "@" + reference.Digest);
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

            RemoteLayers.Remember(store, new RemoteLayer(diffId, new Descriptor(layer.MediaType, layer.Digest, layer.Size), client.Endpoint.Domain, repository, config.DiffIds.Take(i).ToList()));
        }

        staging.AddBytes(configBytes);
        staging.AddBytes(fetched.Bytes);
        var descriptor = new Descriptor(manifest.MediaType, fetched.Digest, fetched.Bytes.Length);
        if (!named)
        {
            staging.Commit(null, cancellationToken);
            return (new StoredImage(descriptor, reference), remote);
        }

        var tag = reference.Digest is null || reference.ExplicitTag ? ImageReference.Parse(reference.FullName + ":" + reference.Tag) : null;
        var tagged = ImageCatalog.Tagged(descriptor, tag);
        staging.Commit(descriptors => ImageCatalog.ApplyTag(descriptors, tagged), cancellationToken);
        return (new StoredImage(tagged, tag), remote);
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
        var digest = Digest.Of(bytes);
        return digest == descriptor.Digest
            ? bytes
            : throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{where}': the blob's digest is {digest}, not {descriptor.Digest} as the manifest says; it was damaged or altered.", where);
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
}
