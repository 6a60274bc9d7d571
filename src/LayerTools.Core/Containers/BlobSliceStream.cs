namespace LayerTools.Core.Containers;

/// <summary>A read-only window on a layer blob: one file's data, read in place by offset (nothing extracted).</summary>
internal sealed class BlobSliceStream : Stream
{
    private readonly Stream _blob;
    private readonly long _start;
    private readonly long _length;
    private long _position;

    public BlobSliceStream(Stream blob, long start, long length)
    {
        _blob = blob;
        _start = start;
        _length = length;
        if (blob.Length < start + length)
        {
            blob.Dispose();
            throw new LayerToolsException("LayerBlobTruncated", ErrorKind.InvalidData, $"The layer blob is {blob.Length} bytes, too short for data at {start}+{length}; run Test-LayerStore.");
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
        var left = _length - _position;
        if (left <= 0)
        {
            return 0;
        }

        if (buffer.Length > left)
        {
            buffer = buffer[..(int)left];
        }

        _blob.Position = _start + _position;
        var n = _blob.Read(buffer);
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
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        _position = target;
        return _position;
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
            _blob.Dispose();
        }

        base.Dispose(disposing);
    }
}
