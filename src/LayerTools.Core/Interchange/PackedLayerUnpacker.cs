using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Unpacks packed layers (a pull's compressed blobs, kept as they came) on first use, with no network:
/// each blob is read from the store once, inflated, its tar hashed (the DiffID, checked against the
/// one the image's config gave) and each file hashed, by the same one-pass ingest and under the same
/// limits and tar rules as a pull used to apply while downloading (<see cref="LayerIngest"/>); then
/// indexed over the layers below it, base first. All of them are committed at the end, in one staging
/// commit: a layer whose blob inflates to another DiffID is an error (DiffIdMismatch) and nothing is
/// committed. The staging area's lease holds each blob while it is read, so a collector running
/// meanwhile cannot take it.
/// </summary>
internal sealed class PackedLayerUnpacker : ILayerUnpacker
{
    /// <summary>
    /// Attaches the unpacker to every store when the core assembly loads. The store (floor 6) declares
    /// what it needs; this floor has the codecs and the ingest. A module initializer, not an attach
    /// call where stores are opened, so no opener (a cmdlet, a drive, a test) can leave a store that
    /// cannot read the layers it pulled.
    /// </summary>
#pragma warning disable CA2255 // A library's module initializer: the one place that joins the store to the floor above it that unpacks.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Attach() => LayerStore.Unpacker ??= new PackedLayerUnpacker();

    public void Unpack(LayerStore store, IReadOnlyList<RemoteLayer> layers, Action<string>? log, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var activity = $"Unpacking {layers.Count} layer(s)";
        var reporter = new ProgressReporter(progress, activity);
        var forms = new List<IngestedLayer>();
        using var staging = store.BeginStaging();
        try
        {
            // Every blob is held by the lease before the first is read: a collector cannot remove one meanwhile.
            foreach (var layer in layers.Where(l => !staging.HasBlob(l.Blob.Digest)))
            {
                throw new LayerToolsException("BlobNotFound", ErrorKind.ObjectNotFound, $"The blob {layer.Blob.Digest} of layer {layer.DiffId} left the store before it was unpacked; pull the image again.", layer.Blob.Digest);
            }

            // Verbose output and progress on the caller's thread (a command writes only from its own).
            foreach (var layer in layers)
            {
                log?.Invoke($"Unpacking layer {Digest.Short(layer.DiffId)} from its blob {Digest.Short(layer.Blob.Digest)} ({layer.Blob.Size} bytes, {layer.Blob.MediaType}), pulled from {layer.Registry}/{layer.Repository}: its files are needed.");
            }

            reporter.Report($"Inflating {layers.Count} layer(s)", 0, layers.Count);
            var scans = Scan(staging, layers, cancellationToken);
            for (var i = 0; i < layers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var layer = layers[i];
                if (scans[i].DiffId != layer.DiffId)
                {
                    throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{Where(layer)}' holds a layer whose DiffID is {scans[i].DiffId}, but the image's config lists {layer.DiffId}; the image was damaged or altered. Nothing was unpacked; remove the image and pull it again.", layer.DiffId);
                }

                // Indexed in layer order: a layer's paths resolve through the layers below it.
                reporter.Report($"Indexing layer {i + 1} of {layers.Count}: {Digest.Short(layer.DiffId)}", i, layers.Count);
                forms.Add(scans[i].Keep(staging, UnionView.Build(layer.Below.Select(staging.ReadLayerIndex))));
            }

            reporter.Report("Committing to the store", layers.Count, layers.Count);
            staging.Commit(null, cancellationToken);
            CompressedLayerCache.Remember(store, forms);
        }
        finally
        {
            reporter.Done($"Unpacked {layers.Count} layer(s)");
        }
    }

    /// <summary>
    /// Reads every blob once, a few side by side (as a pull used to while downloading): a scan needs no
    /// layer below. The failure of the lowest layer that failed is what is thrown, as it was thrown.
    /// </summary>
    private static ScannedLayer[] Scan(StagingArea staging, IReadOnlyList<RemoteLayer> layers, CancellationToken cancellationToken)
    {
        var scans = new ScannedLayer[layers.Count];
        var failures = new ExceptionDispatchInfo?[layers.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Clamp(Environment.ProcessorCount, 1, 3) };
        Parallel.For(0, layers.Count, options, (i, loop) =>
        {
            if (loop.ShouldExitCurrentIteration || cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var layer = layers[i];
            try
            {
                using var blob = staging.OpenBlob(layer.Blob.Digest);
                scans[i] = LayerIngest.Scan(staging, blob, LayerCodec.FromMediaType(layer.Blob.MediaType), Where(layer), layer.Blob.Digest, layer.Blob.Size, IngestLimits.Default, cancellationToken, keepCompressed: false);
            }
            catch (Exception ex)
            {
                // Kept as it is and thrown on the caller's thread; the others stop.
                failures[i] = ExceptionDispatchInfo.Capture(ex);
                loop.Stop();
            }
        });
        failures.FirstOrDefault(f => f is not null)?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return scans;
    }

    private static string Where(RemoteLayer layer) => $"layer {layer.DiffId} ({layer.Registry}/{layer.Repository}, blob {layer.Blob.Digest})";
}
