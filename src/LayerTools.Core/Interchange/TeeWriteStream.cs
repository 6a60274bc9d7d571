namespace LayerTools.Core.Interchange;

/// <summary>A write-only stream that writes every byte to two streams, the first then the second (neither is disposed with it).</summary>
internal sealed class TeeWriteStream : Stream
{
    private readonly Stream _first;
    private readonly Stream _second;
    private long _written;

    public TeeWriteStream(Stream first, Stream second)
    {
        _first = first;
        _second = second;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

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

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
