namespace LayerTools.Core.Tar;

/// <summary>The data of the current entry of a <see cref="TarHeaderReader"/>, read straight from the tar; unusable once the reader moves on.</summary>
internal sealed class TarEntryData : ReadOnlyStream
{
    private readonly TarHeaderReader _reader;
    private readonly int _generation;

    public TarEntryData(TarHeaderReader reader, int generation)
    {
        _reader = reader;
        _generation = generation;
    }

    public override int Read(Span<byte> buffer) => _reader.ReadData(buffer, _generation);
}
