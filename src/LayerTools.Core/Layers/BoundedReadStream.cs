namespace LayerTools.Core.Layers;

/// <summary>
/// Exactly <c>length</c> bytes of a file for a tar entry whose header already says its size: stops
/// at that size if the file grew, and pads with zeros if it shrank, so the tar stays well-formed.
/// </summary>
internal sealed class BoundedReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private long _position;

    public BoundedReadStream(Stream inner, long length)
    {
        _inner = inner;
        _length = length;
    }

    public override bool CanRead => true;

    /// <summary>Reported as seekable only so that TarWriter takes the length from <see cref="Length"/>; only no-op seeks are allowed.</summary>
    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var left = _length - _position;
        if (left <= 0)
        {
            return 0;
        }

        var want = (int)Math.Min(buffer.Length, left);
        var n = _inner.Read(buffer[..want]);
        if (n == 0)
        {
            buffer[..want].Clear();
            n = want;
        }

        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target != _position)
        {
            throw new NotSupportedException("This stream reads forward only.");
        }

        return _position;
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
