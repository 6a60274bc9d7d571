using System.Security.Cryptography;

namespace LayerTools.Core.Digests;

/// <summary>
/// A read-through stream that hashes and counts every byte read from the inner stream, and
/// optionally copies it to a sink: one read of the source gives the bytes, their digest and a copy.
/// On a second core, the hashing and the copy run on a <see cref="PipelinedHashingWriteStream"/>
/// while the reader goes on (a pull's blob and a layer's DiffID no longer share a core with
/// decompressing and indexing); the sink is then written only by that stream until
/// <see cref="Digest"/> is taken.
/// </summary>
internal sealed class HashingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly Stream? _sink;
    private readonly IncrementalHash? _hash;
    private readonly PipelinedHashingWriteStream? _pipe;
    private readonly bool _leaveOpen;
    private readonly long _limit;
    private readonly Func<string>? _overLimit;
    private string? _digest;
    private bool _disposed;

    /// <param name="overLimit">The message of the SizeLimitExceeded error when more than <paramref name="limit"/> bytes come: it names what was read, and where reading stood.</param>
    /// <param name="onSecondCore">Hash (and copy to the sink) on a second core; the sink is left open.</param>
    public HashingStream(Stream inner, Stream? sink = null, bool leaveOpen = false, long limit = long.MaxValue, Func<string>? overLimit = null, bool onSecondCore = false)
    {
        _inner = inner;
        if (onSecondCore)
        {
            _pipe = new PipelinedHashingWriteStream(sink ?? Null, leaveOpen: true);
        }
        else
        {
            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            _sink = sink;
        }

        _leaveOpen = leaveOpen;
        _limit = limit;
        _overLimit = overLimit;
    }

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    protected override long BytesGiven => BytesRead;

    /// <summary>The digest of everything read; reading ends once this is asked for.</summary>
    public string Digest => _digest ??= _pipe?.Digest ?? Digests.Digest.FromHash(_hash!.GetHashAndReset());

    public override int Read(Span<byte> buffer)
    {
        if (_digest is not null)
        {
            throw new InvalidOperationException("The digest was already taken.");
        }

        var n = _inner.Read(buffer);
        if (n > 0)
        {
            var read = buffer[..n];
            if (_pipe is not null)
            {
                _pipe.Write(read);
            }
            else
            {
                _hash!.AppendData(read);
                _sink?.Write(read);
            }

            BytesRead += n;
            if (BytesRead > _limit)
            {
                throw new LayerToolsException("SizeLimitExceeded", ErrorKind.LimitsExceeded, _overLimit?.Invoke() ?? $"The content is larger than the limit of {_limit} bytes.");
            }
        }

        return n;
    }

    /// <summary>Reads whatever is left, so that the digest covers the whole source.</summary>
    public void Drain()
    {
        var buffer = new byte[81920];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    protected override void Dispose(bool disposing)
    {
        // A reader above (a BufferedStream) may dispose this stream before its owner does.
        if (disposing && !_disposed)
        {
            _disposed = true;
            _hash?.Dispose();
            _pipe?.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
