using System.Security.Cryptography;

namespace LayerTools.Core.Tar;

/// <summary>
/// The data of one tar entry on its way into a layer: exactly <c>length</c> bytes of the source,
/// hashed as they pass. A source that holds fewer bytes (a file that shrank while copied) fails
/// rather than writing a tar that lies. Hashing is optional: an archive writer that checks the blob's digest itself turns it off.
/// </summary>
internal sealed class TarDataStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly string _name;
    private readonly IncrementalHash? _hash;
    private long _read;

    public TarDataStream(Stream inner, long length, string name, bool hash = true)
    {
        _inner = inner;
        _length = length;
        _name = name;
        _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    public override long Length => _length;

    protected override long BytesGiven => _read;

    /// <summary>The digest of the bytes given out; call after all were read.</summary>
    public string Digest() => Digests.Digest.FromHash((_hash ?? throw new InvalidOperationException("This stream was made without hashing.")).GetHashAndReset());

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, _length - _read);
        if (want == 0)
        {
            return 0;
        }

        var n = _inner.Read(buffer[..want]);
        if (n == 0)
        {
            throw new LayerToolsException("FileChangedWhileCopying", ErrorKind.ReadError, $"'{_name}' ended after {_read} of {_length} bytes: it changed while it was being copied.", _name);
        }

        _hash?.AppendData(buffer[..n]);
        _read += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
