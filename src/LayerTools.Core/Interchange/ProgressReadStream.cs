namespace LayerTools.Core.Interchange;

/// <summary>A read-through stream that tells a callback how many bytes have been read, and stops when cancelled.</summary>
internal sealed class ProgressReadStream : Stream
{
    private readonly Stream _inner;
    private readonly Action<long> _onRead;
    private readonly CancellationToken _cancellationToken;
    private long _read;

    public ProgressReadStream(Stream inner, Action<long> onRead, CancellationToken cancellationToken)
    {
        _inner = inner;
        _onRead = onRead;
        _cancellationToken = cancellationToken;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var n = _inner.Read(buffer);
        if (n > 0)
        {
            _read += n;
            _onRead(_read);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
