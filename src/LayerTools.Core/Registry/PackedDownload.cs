using LayerTools.Core.Digests;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Registry;

/// <summary>
/// One layer blob of a pull, downloaded as it is into a file of the staging area (on a transfer
/// thread, resumable, see <see cref="BlobFetcher"/>): hashed on a second core while it is written,
/// going to disk as it comes (<see cref="WriteBehindStream"/>), checked against its digest and size
/// before it can be kept. Nothing is inflated: the layer stays packed until an operation needs its
/// files (see <see cref="RemoteLayers"/>), as <c>skopeo copy</c> keeps blobs and containerd's content
/// store keeps them apart from its snapshots.
/// </summary>
internal sealed class PackedDownload
{
    private string? _path;

    private PackedDownload(Descriptor blob) => Blob = blob;

    public Descriptor Blob { get; }

    /// <summary>The blobs to download, each once, in manifest order: every layer blob the store (or staging area) lacks.</summary>
    public static List<PackedDownload> Plan(StagingArea staging, ManifestDocument manifest, IngestLimits limits, string name)
    {
        var downloads = new List<PackedDownload>();
        foreach (var layer in manifest.Layers)
        {
            if (layer.Size > limits.MaxLayerBytes)
            {
                throw new LayerToolsException("SizeLimitExceeded", ErrorKind.LimitsExceeded, $"'{name}': layer {layer.Digest} is {layer.Size} bytes, past {limits.LayerLimitText}.", name);
            }

            if (!downloads.Any(d => d.Blob.Digest == layer.Digest) && !staging.HasBlob(layer.Digest))
            {
                downloads.Add(new PackedDownload(layer));
            }
        }

        return downloads;
    }

    /// <summary>Downloads the blob (on a transfer thread); <paramref name="transfers"/> counts its bytes as transfer <paramref name="index"/>.</summary>
    public void Fetch(StagingArea staging, RegistryClient client, string repository, string name, TransferProgress transfers, int index, CancellationToken cancellationToken)
    {
        var where = $"{name} layer {Blob.Digest}";
        var path = staging.CreateTempPath();
        try
        {
            string digest;
            long size;
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using (var blob = new BlobFetcher(client, repository, Blob, where, transfers.Counter(index), cancellationToken))
                using (var hashing = new HashingStream(blob, new WriteBehindStream(file), leaveOpen: true, onSecondCore: true))
                {
                    var buffer = new byte[1 << 18];
                    while (hashing.Read(buffer, 0, buffer.Length) > 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    (digest, size) = (hashing.Digest, hashing.BytesRead);
                }

                file.Flush(flushToDisk: true);
            }

            LayerIngest.CheckReceived(where, digest, size, Blob.Digest, Blob.Size);
            _path = path;
        }
        catch
        {
            AtomicFile.TryDelete(path);
            throw;
        }

        transfers.Finished(index);
    }

    /// <summary>Stages the downloaded blob (on the caller's thread, once <see cref="Fetch"/> is done).</summary>
    public void Keep(StagingArea staging) =>
        staging.AdoptBlob(_path ?? throw new InvalidOperationException($"Layer {Blob.Digest} was not downloaded."), Blob.Digest);
}
