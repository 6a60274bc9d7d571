using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>One blob an export writes: bytes already read and checked (manifests, configs), or a store blob read while it is written and checked as it is.</summary>
internal sealed class ExportBlob
{
    public ExportBlob(string digest, long size, string what, byte[]? bytes = null)
    {
        Digest = digest;
        Size = size;
        What = what;
        Bytes = bytes;
    }

    public string Digest { get; }

    public long Size { get; }

    /// <summary>What the blob is, for progress and messages.</summary>
    public string What { get; }

    public byte[]? Bytes { get; }

    /// <summary>Opens the blob's content; pass the stream to <see cref="Verify"/> once it has been read to the end.</summary>
    public Stream Open(LayerStore store) =>
        Bytes is not null ? new MemoryStream(Bytes, writable: false) : new HashingStream(store.OpenBlob(Digest));

    /// <summary>Checks that what was read from the store is the blob its digest names.</summary>
    public void Verify(LayerStore store, Stream opened)
    {
        if (opened is HashingStream hashing && (hashing.Digest != Digest || hashing.BytesRead != Size))
        {
            throw new LayerToolsException("StoreCorrupt", ErrorKind.InvalidData, $"The {What} {Digest} in the store '{store.Root}' does not match its digest (it hashes to {hashing.Digest}, {hashing.BytesRead} bytes); nothing was exported. Run Test-LayerStore.", Digest);
        }
    }
}
