using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// One layer blob of a pull: downloaded (on a transfer thread, resumable, checked against its digest)
/// into a file of the staging area, then unpacked in layer order on the caller's thread, since a
/// layer's paths resolve through the layers below it. A compressed blob's file becomes the layer's
/// kept compressed form as it is; an uncompressed one is dropped once staged under its DiffID.
/// </summary>
internal sealed class LayerDownload
{
    private LayerDownload(Descriptor layer, string path)
    {
        Layer = layer;
        Path = path;
    }

    public Descriptor Layer { get; }

    /// <summary>Where the blob is downloaded, inside the staging area.</summary>
    public string Path { get; }

    /// <summary>The layers to download, each blob once, in manifest order: all but those the store (or staging area) has as both blob and DiffID.</summary>
    public static List<LayerDownload> Plan(StagingArea staging, ManifestDocument manifest, ConfigDocument config)
    {
        var downloads = new List<LayerDownload>();
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            if (downloads.Any(d => d.Layer.Digest == layer.Digest) || (staging.HasBlob(config.DiffIds[i]) && staging.HasBlob(layer.Digest)))
            {
                continue;
            }

            downloads.Add(new LayerDownload(layer, staging.CreateTempPath()));
        }

        return downloads;
    }

    /// <summary>Downloads the blob (on a transfer thread); <paramref name="transfers"/> counts its bytes as transfer <paramref name="index"/>.</summary>
    public void Fetch(RegistryClient client, string repository, string name, TransferProgress transfers, int index, CancellationToken cancellationToken)
    {
        BlobFetcher.Fetch(client, repository, Layer, Path, $"{name} layer {Layer.Digest}", transfers.Counter(index), cancellationToken);
        transfers.Finished(index);
    }

    /// <summary>Unpacks the downloaded blob into the staging area: the layer by DiffID, its index, and the compressed blob kept.</summary>
    public IngestedLayer Ingest(StagingArea staging, string name, ILowerView lower, IngestLimits limits, Action tick, CancellationToken cancellationToken)
    {
        var where = $"{name} layer {Layer.Digest}";
        var compression = LayerCodec.FromMediaType(Layer.MediaType);
        LayerIndex index;
        using (var file = File.OpenRead(Path))
        using (var counted = new ProgressReadStream(file, _ => tick(), cancellationToken))
        {
            try
            {
                using var tar = LayerCodec.OpenDecompressed(counted, compression);
                index = staging.AddLayer(tar, where, lower, limits, cancellationToken);
            }
            catch (Exception ex) when (LayerCodec.IsCorruption(ex))
            {
                throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{where}' cannot be decompressed ({LayerCodec.Name(compression)}): {ex.Message}", where, ex);
            }
        }

        if (compression == LayerCompression.None)
        {
            AtomicFile.TryDelete(Path);
        }
        else
        {
            staging.AdoptBlob(Path, Layer.Digest);
        }

        return new IngestedLayer(index, compression, Layer.Digest, Layer.Size);
    }
}
