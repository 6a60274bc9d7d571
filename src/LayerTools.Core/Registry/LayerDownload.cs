using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// One layer blob of a pull: downloaded (on a transfer thread, resumable, checked against its digest)
/// into a file of the staging area and, when compressed, decompressed there into the layer's tar on
/// the same thread, so layers decompress side by side; then each tar is indexed in layer order on
/// the caller's thread, since a layer's paths resolve through the layers below it, and staged where
/// it is. A compressed blob's file becomes the layer's kept compressed form as it is.
/// </summary>
internal sealed class LayerDownload
{
    private LayerDownload(Descriptor layer, string path, string tarPath)
    {
        Layer = layer;
        Path = path;
        TarPath = tarPath;
        Compression = LayerCodec.FromMediaType(layer.MediaType);
    }

    public Descriptor Layer { get; }

    public LayerCompression Compression { get; }

    /// <summary>Where the blob is downloaded, inside the staging area.</summary>
    public string Path { get; }

    /// <summary>Where the layer's tar is: the blob itself when uncompressed, else a file it is decompressed into.</summary>
    public string TarPath { get; }

    /// <summary>One layer blob to download into <paramref name="staging"/> (a remote layer's, a cache image's).</summary>
    public static LayerDownload For(StagingArea staging, Descriptor layer)
    {
        var path = staging.CreateTempPath();
        return new LayerDownload(layer, path, LayerCodec.FromMediaType(layer.MediaType) == LayerCompression.None ? path : staging.CreateTempPath());
    }

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

            var path = staging.CreateTempPath();
            downloads.Add(new LayerDownload(layer, path, LayerCodec.FromMediaType(layer.MediaType) == LayerCompression.None ? path : staging.CreateTempPath()));
        }

        return downloads;
    }

    /// <summary>Downloads the blob and decompresses it (on a transfer thread); <paramref name="transfers"/> counts its bytes as transfer <paramref name="index"/>.</summary>
    public void Fetch(RegistryClient client, string repository, string name, IngestLimits limits, TransferProgress transfers, int index, CancellationToken cancellationToken)
    {
        var where = $"{name} layer {Layer.Digest}";
        BlobFetcher.Fetch(client, repository, Layer, Path, where, transfers.Counter(index), cancellationToken);
        if (Compression != LayerCompression.None)
        {
            using var blob = File.OpenRead(Path);
            using var tar = new FileStream(TarPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            try
            {
                using var decompressed = LayerCodec.OpenDecompressed(blob, Compression);
                Decompress(decompressed, tar, where, limits, cancellationToken);
            }
            catch (Exception ex) when (LayerCodec.IsCorruption(ex))
            {
                throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{where}' cannot be decompressed ({LayerCodec.Name(Compression)}): {ex.Message}", where, ex);
            }

            tar.Flush(flushToDisk: true);
        }

        transfers.Finished(index);
    }

    /// <summary>Indexes the layer's tar into the staging area (on the caller's thread, in layer order) and keeps the compressed blob.</summary>
    public IngestedLayer Ingest(StagingArea staging, string name, ILowerView lower, IngestLimits limits, CancellationToken cancellationToken)
    {
        var index = staging.AddLayerFile(TarPath, $"{name} layer {Layer.Digest}", lower, limits, cancellationToken);
        if (Compression != LayerCompression.None)
        {
            staging.AdoptBlob(Path, Layer.Digest);
        }

        return new IngestedLayer(index, Compression, Layer.Digest, Layer.Size);
    }

    /// <summary>Copies the decompressed tar, stopping a blob that inflates past the layer size limit (a decompression bomb) before it fills the disk.</summary>
    private static void Decompress(Stream from, Stream to, string where, IngestLimits limits, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long written = 0;
        int n;
        while ((n = from.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            written += n;
            if (written > limits.MaxLayerBytes)
            {
                throw new LayerToolsException("SizeLimitExceeded", ErrorKind.LimitsExceeded, $"'{where}': the layer passes {limits.LayerLimitText} once decompressed.", where);
            }

            to.Write(buffer, 0, n);
        }
    }
}
