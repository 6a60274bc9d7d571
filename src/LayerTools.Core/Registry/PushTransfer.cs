using LayerTools.Core.Interchange;

namespace LayerTools.Core.Registry;

/// <summary>
/// One blob a push sends: a blob with a known digest (<see cref="Blob"/>: HEAD first, then a mount or
/// an upload), or a layer never compressed before (<see cref="DiffId"/>), compressed as it is
/// uploaded; its digest is known only once it is sent. <see cref="Size"/> is what progress counts.
/// </summary>
internal sealed record PushTransfer(ExportBlob? Blob, string? DiffId, long Size)
{
    public string Activity => Blob is not null ? "Uploading " + Digests.Digest.Short(Blob.Digest) : "Compressing and uploading " + Digests.Digest.Short(DiffId!);

    public string Status => Blob is not null ? $"{Blob.What} {Blob.Digest}" : $"layer {DiffId} (gzip)";
}
