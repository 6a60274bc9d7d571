using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// One layer blob fetched to be unpacked at once (a remote layer an operation needs, a cache image's layer), read once as it arrives (on a transfer thread, resumable): hashed and
/// kept as the layer's compressed form on a second core, decompressed and scanned (each file hashed)
/// on the transfer thread, its tar hashed (the DiffID) and written on a third, checked against its
/// digest at the end (see <see cref="LayerIngest.Scan"/>), so layers come in side by side and nothing is
/// read back. Then each layer's index is made in layer order on the caller's thread, since a layer's
/// paths resolve through the layers below it, and the layer staged where it lies.
/// </summary>
internal sealed class LayerDownload
{
    private readonly StagingArea _staging;
    private ScannedLayer? _scanned;

    private LayerDownload(StagingArea staging, Descriptor layer)
    {
        _staging = staging;
        Layer = layer;
        Compression = LayerCodec.FromMediaType(layer.MediaType);
    }

    public Descriptor Layer { get; }

    public LayerCompression Compression { get; }

    /// <summary>One layer blob to download into <paramref name="staging"/> (a remote layer's, a cache image's).</summary>
    public static LayerDownload For(StagingArea staging, Descriptor layer) => new(staging, layer);

    /// <summary>Downloads and scans the blob (on a transfer thread); <paramref name="transfers"/> counts its bytes as transfer <paramref name="index"/>.</summary>
    public void Fetch(RegistryClient client, string repository, string name, IngestLimits limits, TransferProgress transfers, int index, CancellationToken cancellationToken)
    {
        var where = $"{name} layer {Layer.Digest}";
        using (var blob = new BlobFetcher(client, repository, Layer, where, transfers.Counter(index), cancellationToken))
        {
            _scanned = LayerIngest.Scan(_staging, blob, Compression, where, Layer.Digest, Layer.Size, limits, cancellationToken);
        }

        transfers.Finished(index);
    }

    /// <summary>Makes the layer's index over <paramref name="lower"/> and stages it with its compressed blob (on the caller's thread, in layer order), once <see cref="Fetch"/> is done.</summary>
    public IngestedLayer Ingest(StagingArea staging, string name, ILowerView lower, IngestLimits limits, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var scanned = _scanned ?? throw new InvalidOperationException($"'{name}': layer {Layer.Digest} was not fetched.");
        return scanned.Keep(staging, lower);
    }
}
