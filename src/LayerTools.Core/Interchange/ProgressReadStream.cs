namespace LayerTools.Core.Interchange;

/// <summary>A read-through stream that tells a callback how many bytes have been read, and stops when cancelled.</summary>
internal sealed class ProgressReadStream : ReadOnlyStream
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

    protected override long BytesGiven => _read;

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
}
