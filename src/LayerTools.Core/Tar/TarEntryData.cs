namespace LayerTools.Core.Tar;

/// <summary>The data of the current entry of a <see cref="TarHeaderReader"/>, read straight from the tar; unusable once the reader moves on.</summary>
internal sealed class TarEntryData : Stream
{
    private readonly TarHeaderReader _reader;
    private readonly int _generation;

    public TarEntryData(TarHeaderReader reader, int generation)
    {
        _reader = reader;
        _generation = generation;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => _reader.ReadData(buffer, _generation);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
