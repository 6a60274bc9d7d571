using System.Security.Cryptography;

namespace LayerTools.Core.Tar;

/// <summary>
/// The data of one tar entry on its way into a layer: exactly <c>length</c> bytes of the source,
/// hashed as they pass. A source that holds fewer bytes (a file that shrank while copied) fails
/// rather than writing a tar that lies. Hashing is optional: an archive writer that checks the blob's digest itself turns it off.
/// A writer of many entries may lend one hash for all of them (reset by <see cref="Digest"/>), so that
/// a layer of thousands of small files does not set up a hash context per file.
/// </summary>
internal sealed class TarDataStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _length;
    private readonly string _name;
    private readonly IncrementalHash? _hash;
    private readonly bool _ownsHash;
    private bool _digested;
    private long _read;

    public TarDataStream(Stream inner, long length, string name, bool hash = true)
    {
        _inner = inner;
        _length = length;
        _name = name;
        _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _ownsHash = true;
    }

    /// <param name="inner">The source.</param>
    /// <param name="length">The bytes it must give.</param>
    /// <param name="name">The entry's name, for the error.</param>
    /// <param name="sharedHash">A SHA-256 hash, empty (just made or reset), that the caller keeps and disposes.</param>
    public TarDataStream(Stream inner, long length, string name, IncrementalHash sharedHash)
    {
        _inner = inner;
        _length = length;
        _name = name;
        _hash = sharedHash;
    }

    public override long Length => _length;

    protected override long BytesGiven => _read;

    /// <summary>The digest of the bytes given out; call after all were read.</summary>
    public string Digest()
    {
        _digested = true;
        return Digests.Digest.FromHash((_hash ?? throw new InvalidOperationException("This stream was made without hashing.")).GetHashAndReset());
    }

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
        if (disposing && _ownsHash)
        {
            _hash?.Dispose();
        }
        else if (disposing && !_digested)
        {
            // A lent hash goes back empty even when the copy failed half-way.
            _hash?.GetHashAndReset();
        }

        base.Dispose(disposing);
    }
}
