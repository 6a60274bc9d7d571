namespace LayerTools.Core;

/// <summary>
/// The base of the core's forward-only, write-only streams (hashing, compressing and tee streams), the
/// twin of <see cref="ReadOnlyStream"/>: a subclass gives <see cref="Write(ReadOnlySpan{byte})"/>,
/// <see cref="Stream.Flush"/> and, when it counts them, the bytes it took, which
/// <see cref="Length"/> and <see cref="Position"/> report; reading and seeking are not supported.
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => BytesTaken;

    public override long Position
    {
        get => BytesTaken;
        set => throw new NotSupportedException();
    }

    /// <summary>The bytes written so far; unsupported unless a subclass counts them.</summary>
    protected virtual long BytesTaken => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public abstract override void Write(ReadOnlySpan<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
