using System.Diagnostics;
using System.IO.Compression;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>
/// gzip through ISA-L reads exactly what .NET's GZipStream reads: one member or many (as LayerTools'
/// own compressor writes them), the real gzip's headers with a name, whatever the sizes of the reads
/// and of the pieces the source gives; bytes after the last member ignored, a stream cut short ending
/// where its data ends; a damaged CRC, length or deflate stream an InvalidDataException.
/// </summary>
public sealed class IsalInflateTests
{
    private static byte[] Text(int size, int seed)
    {
        var rng = new Random(seed);
        var data = new byte[size];
        for (var i = 0; i < size; i++)
        {
            data[i] = (byte)(i % 4096 < 2048 ? "FROM alpine\nRUN make\n"[i % 21] : 'A' + rng.Next(26));
        }

        return data;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Decompresses with ISA-L, reading <paramref name="readSize"/> at a time from a source that gives at most <paramref name="pieceSize"/> per read.</summary>
    private static byte[] Isal(byte[] compressed, int readSize = 81920, int pieceSize = int.MaxValue)
    {
        using var source = new PieceStream(compressed, pieceSize);
        using var inflate = IsalInflateStream.TryOpen(source, leaveOpen: false) ?? throw new InvalidOperationException("ISA-L (libisal2) is not usable here.");
        using var output = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = inflate.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, n);
        }

        return output.ToArray();
    }

    private static byte[] Dotnet(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public void IsalIsUsedForGzipLayersHere()
    {
        Assert.True(IsalInflateStream.Available, "libisal2 is in tests/apt-packages.txt: ISA-L must load and pass its check");
        using var decompressed = LayerCodec.OpenDecompressed(new MemoryStream(Gzip([1, 2, 3])), LayerCompression.Gzip);
        Assert.IsType<IsalInflateStream>(decompressed);
    }

    [Theory]
    [InlineData(81920, int.MaxValue)]
    [InlineData(1, int.MaxValue)]
    [InlineData(7, 1)]
    [InlineData(65536, 3)]
    public void OneMemberReadsAsGZipStreamReadsIt(int readSize, int pieceSize)
    {
        var data = Text(300_000, 1);
        var compressed = Gzip(data);
        Assert.Equal(data, Isal(compressed, readSize, pieceSize));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(4093)]
    public void TheMembersLayerToolsWritesReadAsOneLayer(int pieceSize)
    {
        var data = Text((3 << 20) + 777, 2);
        using var output = new MemoryStream();
        using (var compressor = LayerCodec.OpenCompressor(output, LayerCompression.Gzip, degree: 2))
        {
            compressor.Write(data);
        }

        var compressed = output.ToArray();
        Assert.Equal(Dotnet(compressed), Isal(compressed, 65536, pieceSize));
        Assert.Equal(data, Isal(compressed));
    }

    [Fact]
    public void TheRealGzipsHeaderWithANameIsRead()
    {
        var dir = Directory.CreateTempSubdirectory("lt-isal-");
        try
        {
            var file = Path.Combine(dir.FullName, "layer.tar");
            var data = Text(200_000, 3);
            File.WriteAllBytes(file, data);
            using (var gzip = Process.Start(new ProcessStartInfo("gzip", ["-9", "-N", file]) { UseShellExecute = false })!)
            {
                gzip.WaitForExit();
                Assert.Equal(0, gzip.ExitCode);
            }

            var compressed = File.ReadAllBytes(file + ".gz");
            Assert.Equal(data, Isal(compressed));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x1F })]
    public void BytesAfterTheLastMemberAreIgnoredAsGZipStreamIgnoresThem(byte[] trailing)
    {
        var data = Text(50_000, 4);
        var compressed = Gzip(data).Concat(trailing).ToArray();
        Assert.Equal(Dotnet(compressed), Isal(compressed));
        Assert.Equal(data, Isal(compressed, 4096, 1));
    }

    /// <summary>Cut in its trailer, all the data is there; cut in its deflate data, a prefix (the decoders stop a few bytes apart): no error either way, as GZipStream (the tar reader and the blob's digest find it).</summary>
    [Theory]
    [InlineData(4, true)]
    [InlineData(8, true)]
    [InlineData(2000, false)]
    public void AStreamCutShortEndsWhereItsDataEndsAsInGZipStream(int cut, bool whole)
    {
        var data = Text(100_000, 5);
        var truncated = Gzip(data)[..^cut];
        var read = Isal(truncated);
        Assert.Equal(Dotnet(truncated).Length == data.Length, whole);
        Assert.Equal(whole, read.Length == data.Length);
        Assert.True(read.Length > data.Length / 2);
        Assert.Equal(data.AsSpan(0, read.Length).ToArray(), read);
    }

    [Theory]
    [InlineData(-8)]
    [InlineData(-6)]
    [InlineData(-2)]
    public void ADamagedCrcOrLengthIsInvalidData(int fromEnd)
    {
        var compressed = Gzip(Text(100_000, 6));
        compressed[compressed.Length + fromEnd] ^= 0x40;
        Assert.Throws<InvalidDataException>(() => Dotnet(compressed));
        Assert.Throws<InvalidDataException>(() => Isal(compressed));
    }

    [Fact]
    public void DamagedDeflateDataIsInvalidData()
    {
        var compressed = Gzip(Text(100_000, 7));
        for (var i = compressed.Length / 3; i < compressed.Length / 3 + 64; i++)
        {
            compressed[i] = 0xFF;
        }

        Assert.Throws<InvalidDataException>(() => Isal(compressed));
    }

    /// <summary>A source that gives at most a few bytes per read, as a slow socket may.</summary>
    private sealed class PieceStream(byte[] data, int pieceSize) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, pieceSize)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, pieceSize));
    }
}
