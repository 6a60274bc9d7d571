using System.Security.Cryptography;

namespace LayerTools.Core.Digests;

/// <summary>
/// A write-through stream that hashes and counts every byte written on its way to the inner
/// stream: what a compressor writes gets its digest without a second read of the output.
/// </summary>
internal sealed class HashingWriteStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly bool _leaveOpen;
    private string? _digest;

    public HashingWriteStream(Stream inner, bool leaveOpen = true)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The digest of everything written; writing ends once this is asked for.</summary>
    public string Digest => _digest ??= Digests.Digest.FromHash(_hash.GetHashAndReset());

    protected override long BytesTaken => BytesWritten;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_digest is not null)
        {
            throw new InvalidOperationException("The digest was already taken.");
        }

        _hash.AppendData(buffer);
        _inner.Write(buffer);
        BytesWritten += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush() => _inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
