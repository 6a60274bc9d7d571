using LayerTools.Core.Layers;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// A layer blob read once into a staging area by <see cref="LayerIngest.Scan"/>, its digest and
/// size checked: its tar and (when compressed) the blob as it came lie in files of the staging area,
/// its entries scanned. <see cref="Keep"/> makes its index over the layers below and stages both.
/// </summary>
internal sealed class ScannedLayer
{
    private readonly LayerScan _scan;
    private readonly string _tarPath;
    private readonly string? _keptPath;

    public ScannedLayer(LayerScan scan, string tarPath, string? keptPath, LayerCompression compression, string digest, long size)
    {
        _scan = scan;
        _tarPath = tarPath;
        _keptPath = keptPath;
        Compression = compression;
        Digest = digest;
        Size = size;
    }

    public LayerCompression Compression { get; }

    /// <summary>The blob's digest (checked against its descriptor).</summary>
    public string Digest { get; }

    /// <summary>The blob's size in bytes.</summary>
    public long Size { get; }

    /// <summary>The layer's DiffID.</summary>
    public string DiffId => _scan.DiffId;

    /// <summary>Makes the entry index over <paramref name="lower"/> (the layer's names checked there) and stages the tar under its DiffID and the compressed blob under its digest.</summary>
    public IngestedLayer Keep(StagingArea staging, ILowerView lower)
    {
        var index = _scan.Resolve(lower);
        staging.AdoptLayer(_tarPath, index);
        if (_keptPath is not null)
        {
            staging.AdoptBlob(_keptPath, Digest);
        }

        return new IngestedLayer(index, Compression, Digest, Size);
    }
}
