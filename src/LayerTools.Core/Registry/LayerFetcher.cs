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

    /// <summary>Fetches the layers the store lacks; returns how many were downloaded.</summary>
    public static int Fetch(LayerStore store, RegistryClient client, string repository, IReadOnlyList<Wanted> layers, string name, Lease? lease, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var transfers = new TransferProgress(progress, $"Fetching the layers of {name}", layers.Select(l => ("Layer " + Digests.Digest.Short(l.Blob.Digest), $"Downloading {l.Blob.Digest}", l.Blob.Size)));
        using var staging = store.BeginStaging(lease);
        var forms = new List<IngestedLayer>();
        var fetched = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = layers[i];
            if (staging.HasBlob(layer.DiffId))
            {
                continue;
            }

            var lower = UnionView.Build(layer.Below.Select(staging.ReadLayerIndex));
            var download = LayerDownload.For(staging, layer.Blob);
            download.Fetch(client, repository, name, IngestLimits.Default, transfers, i, cancellationToken);
            var ingested = download.Ingest(staging, name, lower, IngestLimits.Default, cancellationToken);
            if (ingested.Index.DiffId != layer.DiffId)
            {
                throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{name}': layer {layer.Blob.Digest} has the DiffID {ingested.Index.DiffId}, but the cache lists {layer.DiffId}; it was damaged or altered.", name);
            }

            fetched++;
            if (ingested.Compression != LayerCompression.None)
            {
                forms.Add(ingested);
            }
        }

        if (fetched > 0)
        {
            staging.Commit(null, cancellationToken);
            Remember(store, forms);
        }

        transfers.Report($"Fetched {fetched} layer(s) of {name}", force: true);
        return fetched;
    }

    /// <summary>Remembers each layer's compressed form as the registry sent it, so a push sends the same blob back.</summary>
    public static void Remember(LayerStore store, IEnumerable<IngestedLayer> forms)
    {
        foreach (var form in forms)
        {
            try
            {
                CompressedLayerCache.Remember(store, form.Index.DiffId, form.Compression, form.Digest, form.Size);
            }
            catch (IOException)
            {
                // Only a cache: a push compresses the layer again.
            }
        }
    }
}
