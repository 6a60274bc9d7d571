using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Registry;

/// <summary>
/// Fetches chosen layers of a repository into the store, with no image around them (a cache image's
/// layers): each one the store lacks is streamed in as a pull streams it (digest and DiffID checked),
/// indexed over the layers below it, and committed with the rest at the end; the registry's compressed
/// blob is remembered as the layer's compressed form.
/// </summary>
internal static class LayerFetcher
{
    /// <summary>One layer to fetch: its blob in the repository, its DiffID, and the DiffIDs below it (base first), each in the store or earlier in the list.</summary>
    public sealed record Wanted(Descriptor Blob, string DiffId, IReadOnlyList<string> Below);

    /// <summary>
    /// Fetches the layers the store lacks; returns how many were downloaded. The blobs come a few at a
    /// time (as a pull's), with a progress record for the whole and a child record per blob; each layer
    /// is indexed in order as its blob is in. Cancelling stops the transfers at once, and nothing is
    /// committed unless every layer is in.
    /// </summary>
    public static int Fetch(LayerStore store, RegistryClient client, string repository, IReadOnlyList<Wanted> layers, string name, Lease? lease, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        using var staging = store.BeginStaging(lease);
        var missing = layers.Where(l => !staging.HasBlob(l.DiffId)).ToList();
        var activity = $"Fetching {missing.Count} layer(s) of {name}";
        var transfers = new TransferProgress(progress, activity, missing.Count, i => "Layer " + Digests.Digest.Short(missing[i].Blob.Digest), i => $"Downloading {missing[i].Blob.Digest}", i => missing[i].Blob.Size);
        var downloads = missing.Select(l => LayerDownload.For(staging, l.Blob)).ToList();
        var forms = new List<IngestedLayer>();
        try
        {
            using (var queue = new TransferQueue(downloads.Count, client.Options.MaxConcurrentTransfers, (i, token) => downloads[i].Fetch(client, repository, name, IngestLimits.Default, transfers, i, token), cancellationToken))
            {
                for (var i = 0; i < missing.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var layer = missing[i];
                    var status = $"Layer {i + 1} of {missing.Count} {Digests.Digest.Short(layer.Blob.Digest)}";
                    queue.WaitFor(i, () => transfers.Report("Downloading; waiting for " + status));
                    transfers.Report("Indexing " + status, force: true);
                    var lower = UnionView.Build(layer.Below.Select(staging.ReadLayerIndex));
                    var ingested = downloads[i].Ingest(staging, name, lower, IngestLimits.Default, cancellationToken);
                    if (ingested.Index.DiffId != layer.DiffId)
                    {
                        throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{name}': layer {layer.Blob.Digest} has the DiffID {ingested.Index.DiffId}, but the image lists {layer.DiffId}; it was damaged or altered.", name);
                    }

                    if (ingested.Compression != LayerCompression.None)
                    {
                        forms.Add(ingested);
                    }
                }
            }

            if (missing.Count > 0)
            {
                transfers.Report("Committing to the store", force: true);
                staging.Commit(null, cancellationToken);
                CompressedLayerCache.Remember(store, forms);
            }
        }
        finally
        {
            progress?.Report(new OperationProgress(activity, $"Fetched {missing.Count} layer(s) of {name}", 100, Completed: true));
        }

        return missing.Count;
    }
}
