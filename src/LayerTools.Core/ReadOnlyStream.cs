namespace LayerTools.Core;

/// <summary>
/// The base of the core's forward-only, read-only streams (hashing, progress, transfer and tar data
/// streams): a subclass gives <see cref="Read(Span{byte})"/> and, when it counts them, the bytes it gave
/// out; seeking, writing and a length are not supported unless it says otherwise.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesGiven;
        set => throw new NotSupportedException();
    }

    /// <summary>The bytes read so far, which <see cref="Position"/> reports; unsupported unless a subclass counts them.</summary>
    protected virtual long BytesGiven => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public abstract override int Read(Span<byte> buffer);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
