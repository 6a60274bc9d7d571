namespace LayerTools.Core.Layers;

/// <summary>
/// Passes reads through, but fails once more than <see cref="Budget"/> bytes are read while a budget
/// is set: bounds what the tar reader may buffer for one header (PAX records, GNU long names).
/// Seeking passes through to a seekable inner stream, so a tar reader can skip entry data unread.
/// </summary>
internal sealed class HeaderBudgetStream : Stream
{
    private readonly Stream _inner;
    private long _used;
    private long _budget = long.MaxValue;

    public HeaderBudgetStream(Stream inner) => _inner = inner;

    public long Budget
    {
        get => _budget;
        set
        {
            _budget = value;
            _used = 0;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => _inner.Position;
        set => _inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        _used += n;
        if (_used > _budget)
        {
            throw new LayerToolsException("TarHeaderTooLarge", ErrorKind.LimitsExceeded, $"A tar header (with its PAX or long-name records) is larger than the limit of {_budget} bytes.");
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
