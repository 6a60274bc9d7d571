namespace LayerTools.Core.Tar;

/// <summary>
/// A read-only, seekable window of <c>length</c> bytes at <c>offset</c> of a seekable stream, which
/// it owns: one entry's data read in place, in a store blob or an archive being imported. A window
/// that reaches past the end of the stream, or a stream that ends inside it, is an
/// <see cref="EndOfStreamException"/>, never a silent short read.
/// </summary>
internal sealed class StreamSlice : Stream
{
    private readonly Stream _inner;
    private readonly long _offset;
    private readonly long _length;
    private long _position;

    public StreamSlice(Stream inner, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > inner.Length)
        {
            inner.Dispose();
            throw new EndOfStreamException($"The data ends before the {length} bytes at offset {offset} that its entry claims.");
        }

        _inner = inner;
        _offset = offset;
        _length = length;
        _inner.Seek(offset, SeekOrigin.Begin);
    }

    /// <summary>A window of a file; a file too short for it is a damaged archive or blob (ArchiveTruncated).</summary>
    public static StreamSlice OfFile(string path, long offset, long length)
    {
        try
        {
            return new StreamSlice(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), offset, length);
        }
        catch (EndOfStreamException ex)
        {
            throw new LayerToolsException("ArchiveTruncated", ErrorKind.InvalidData, $"'{path}' ends before the {length} bytes at offset {offset} that its entry claims.", path, ex);
        }
    }

    public override bool CanRead => true;

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
        var want = (int)Math.Min(buffer.Length, _length - _position);
        if (want <= 0)
        {
            return 0;
        }

        var n = _inner.Read(buffer[..want]);
        if (n == 0)
        {
            throw new EndOfStreamException("The data ended inside an entry's bytes.");
        }

        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        if (target < 0 || target > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        _inner.Seek(_offset + target, SeekOrigin.Begin);
        _position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
