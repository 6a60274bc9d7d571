namespace LayerTools.Core.Interchange;

/// <summary>A write-only stream that writes every byte to two streams, the first then the second (neither is disposed with it).</summary>
internal sealed class TeeWriteStream : WriteOnlyStream
{
    private readonly Stream _first;
    private readonly Stream _second;
    private long _written;

    public TeeWriteStream(Stream first, Stream second)
    {
        _first = first;
        _second = second;
    }

    protected override long BytesTaken => _written;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _first.Write(buffer);
        _second.Write(buffer);
        _written += buffer.Length;
    }

    public override void Flush()
    {
        _first.Flush();
        _second.Flush();
    }
}
