using System.Net.Http.Headers;
using System.Net;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// Pushes an image, as <c>docker push</c> does: each blob (config, then layers) is skipped when the
/// repository has it (HEAD), mounted when another repository of the registry has it, uploaded
/// otherwise; the manifest goes last, with its media type as Content-Type. An image pulled from a
/// registry goes back with its own manifest and compressed blobs (the same digests); one built or
/// imported here goes as an OCI manifest of gzip layers, each compressed once and remembered. A
/// remote layer's blob (not in the store) is mounted from the repository its record names; it is
/// fetched only when the registry will not mount it.
/// </summary>
internal static class ImagePusher
{
    public static PublishedImage Push(ImageCatalog catalog, StoredImage image, RegistryClient client, ImageReference destination, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var store = catalog.Store;
        var name = destination.FullName + (destination.Digest is not null && !destination.ExplicitTag ? "@" + destination.Digest : ":" + destination.Tag);
        var reporter = new ProgressReporter(progress, $"Pushing {name}");
        reporter.Report("Preparing", 0, 1);

        // The registry's scheme (a TLS attempt, then plain HTTP where allowed) is found on another core while
        // the store plans the push: the first request would find it anyway, one round trip and its JIT later.
        var resolving = Task.Run(() => client.Resolve("/v2/", cancellationToken), cancellationToken);
        PushPlan plan;
        try
        {
            plan = Plan(store, image, reporter, cancellationToken);
        }
        catch
        {
            // The plan's error is the one that matters; the client is not disposed under the probe.
            Task.WhenAny(resolving).Wait(CancellationToken.None);
            throw;
        }

        resolving.GetAwaiter().GetResult();
        var transfers = plan.Transfers;
        var repository = destination.Repository;
        var scope = RegistryClient.PushScope(repository);
        var uploader = new BlobUploader(client, store, repository);
        var mounts = new MountSources(catalog, destination);
        var outcomes = new BlobOutcome[transfers.Count];
        var sent = new Descriptor?[transfers.Count];
        var progressOf = new TransferProgress(progress, $"Pushing {name}", transfers.Count, i => transfers[i].Activity, i => transfers[i].Status, i => transfers[i].Size);

        // The store's list of other repositories is read here, once, not by the transfer threads. The config
        // (the plan's first transfer) goes beside the layers' places, as docker sends it: the fifth layer does not wait for it.
        var sources = transfers.Select(t => t.Blob is null ? [] : mounts.For(t.Blob.Digest)).ToArray();
        using (var queue = new TransferQueue(transfers.Count, client.Options.MaxConcurrentUploads, (i, token) =>
        {
            if (transfers[i].DiffId is { } diffId)
            {
                sent[i] = uploader.UploadCompressing(diffId, LayerCompression.Gzip, progressOf.Counter(i), token);
                outcomes[i] = BlobOutcome.Uploaded;
            }
            else
            {
                outcomes[i] = Send(client, uploader, repository, scope, transfers[i].Blob!, sources[i], progressOf.Counter(i), token);
            }

            progressOf.Finished(i);
        }, cancellationToken, beside: 1))
        {
            queue.WaitAll(() => progressOf.Report("Sending the blobs"));
        }

        var compressed = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        for (var i = 0; i < transfers.Count; i++)
        {
            if (transfers[i].DiffId is { } diffId)
            {
                compressed[diffId] = sent[i]!;
            }
        }

        var (manifest, mediaType, blobs) = plan.Complete(compressed);
        var uploaded = outcomes.Count(o => o == BlobOutcome.Uploaded);
        var mounted = outcomes.Count(o => o == BlobOutcome.Mounted);
        var existing = outcomes.Count(o => o == BlobOutcome.Existing);
        reporter.Report("Pushing the manifest", transfers.Count, transfers.Count);
        var digest = Digest.Of(manifest);
        var tagOrDigest = destination.Digest is not null && !destination.ExplicitTag ? destination.Digest : destination.Tag;
        if (destination.Digest is not null && destination.Digest != digest)
        {
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidArgument, $"'{name}' names the digest {destination.Digest}, but the image's manifest is {digest}.", name);
        }

        using var response = client.Send(HttpMethod.Put, $"/v2/{repository}/manifests/{tagOrDigest}", scope, cancellationToken, request =>
        {
            request.Content = new ByteArrayContent(manifest);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        });
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw RegistryErrors.FromResponse(response, "the manifest of " + name, name);
        }

        RegistryErrors.CheckStoredDigest(response, digest, "the manifest of " + name, name, manifest: true);

        reporter.Done($"Pushed {name}");
        return new PublishedImage
        {
            Reference = destination.FullName + ":" + destination.Tag,
            Digest = digest,
            Id = plan.ConfigDigest,
            MediaType = mediaType,
            Size = blobs.Sum(),
            Uploaded = uploaded,
            Mounted = mounted,
            Existing = existing,
        };
    }

    /// <summary>Sends one blob (on a transfer thread): nothing when the repository has it, a mount when another repository has it, else an upload.</summary>
    private static BlobOutcome Send(RegistryClient client, BlobUploader uploader, string repository, string scope, ExportBlob blob, IReadOnlyList<string> sources, Action<long> progress, CancellationToken cancellationToken)
    {
        if (client.HasBlob(repository, blob.Digest, scope, cancellationToken))
        {
            return BlobOutcome.Existing;
        }

        Uri? opened = null;
        foreach (var from in sources)
        {
            // A mount the registry refused opened an upload instead: only the last one is used, the others are cancelled.
            if (opened is not null)
            {
                uploader.Cancel(opened);
            }

            opened = uploader.TryMount(blob, from, cancellationToken);
            if (opened is null)
            {
                return BlobOutcome.Mounted;
            }
        }

        uploader.Upload(blob, opened, progress, cancellationToken);
        return BlobOutcome.Uploaded;
    }

    /// <summary>
    /// What to send (config first) and, once it is sent, the manifest: the stored one as it is when its
    /// layers are compressed blobs in the store (or a registry's, for remote layers), else an OCI
    /// manifest of gzip layers, each compressed once and remembered. A layer compressed before goes as
    /// the blob remembered; one never compressed is compressed as it is uploaded, so no upload waits
    /// for every layer to be compressed.
    /// </summary>
    private static PushPlan Plan(LayerStore store, StoredImage image, ProgressReporter reporter, CancellationToken cancellationToken)
    {
        var manifestBytes = store.ReadBlob(image.Manifest.Digest, RegistryClient.MaxManifestBytes);
        var manifest = ManifestDocument.Parse(manifestBytes, image.Manifest.Digest);
        if (Digest.Of(manifestBytes) == image.Manifest.Digest
            && manifest.Layers.All(l => LayerCodec.FromMediaType(l.MediaType) != LayerCompression.None && (store.HasBlob(l.Digest) ? store.BlobSize(l.Digest) == l.Size : RemoteLayers.ForBlob(store, l.Digest)?.Blob.Size == l.Size)))
        {
            var configBytes = store.ReadBlob(manifest.Config.Digest, IngestLimits.Default.MaxConfigBytes);
            if (Digest.Of(configBytes) != manifest.Config.Digest)
            {
                throw new LayerToolsException("StoreCorrupt", ErrorKind.InvalidData, $"The image config {manifest.Config.Digest} in the store '{store.Root}' does not match its digest; nothing was pushed. Run Test-LayerStore.", manifest.Config.Digest);
            }

            var blobs = new List<ExportBlob> { new(manifest.Config.Digest, configBytes.Length, "config", configBytes) };
            blobs.AddRange(manifest.Layers.DistinctBy(l => l.Digest).Select(l => new ExportBlob(l.Digest, l.Size, "layer")));
            return new PushPlan(blobs.Select(b => new PushTransfer(b, null, b.Size)).ToList(), manifest.Config.Digest, _ => (manifestBytes, manifest.MediaType, blobs.Select(b => b.Size).ToList()));
        }

        reporter.Report("Planning the layers", 0, 1);
        var ownBytes = ExportPlan.ReadVerified(store, image.Manifest.Digest, "image manifest");
        var own = ManifestDocument.Parse(ownBytes, image.Manifest.Digest);
        var configRead = ExportPlan.ReadVerified(store, own.Config.Digest, "image config");
        var config = ConfigDocument.Parse(configRead, own.Config.Digest);
        var label = image.Reference?.ToString() ?? Digest.Short(own.Config.Digest);
        var known = config.DiffIds.Select((_, i) => ExportPlan.KnownLayer(store, own, config.DiffIds, i, LayerCompression.Gzip, label, cancellationToken)).ToList();
        var transfers = new List<PushTransfer> { new(new ExportBlob(own.Config.Digest, configRead.Length, "config", configRead), null, configRead.Length) };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < known.Count; i++)
        {
            if (known[i] is { } layer && seen.Add(layer.Digest))
            {
                transfers.Add(new PushTransfer(new ExportBlob(layer.Digest, layer.Size, "layer"), null, layer.Size));
            }
            else if (known[i] is null && seen.Add(config.DiffIds[i]))
            {
                transfers.Add(new PushTransfer(null, config.DiffIds[i], store.BlobSize(config.DiffIds[i])));
            }
        }

        return new PushPlan(transfers, own.Config.Digest, compressed =>
        {
            var layers = known.Select((l, i) => l ?? compressed[config.DiffIds[i]]).ToList();
            var (bytes, descriptor) = ExportPlan.Manifest(ownBytes, own, config, layers);
            var sizes = new List<long> { configRead.Length };
            sizes.AddRange(layers.DistinctBy(l => l.Digest).Select(l => l.Size));
            return (bytes, descriptor.MediaType, sizes);
        });
    }
}
