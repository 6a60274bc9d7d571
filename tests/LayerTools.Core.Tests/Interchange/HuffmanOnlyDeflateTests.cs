using System.IO.Compression;
using System.Text;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>
/// LayerTools' own Huffman-only deflate: every kind of input (empty, one byte value, two, all 256,
/// counts skewed so far that a plain Huffman code would pass deflate's 15-bit limit, random bytes
/// that go stored, lengths on and around its pieces' bounds) reads back exactly with .NET's zlib and
/// with the real gzip; the code lengths are a complete code within the limit; the CRC agrees with
/// the table-driven one.
/// </summary>
public sealed class HuffmanOnlyDeflateTests
{
    private static byte[] Member(byte[] data)
    {
        using var output = new MemoryStream();
        GzipMemberEncoder.WriteHuffmanOnly(output, data);
        return output.ToArray();
    }

    private static byte[] Inflate(byte[] member)
    {
        using var input = new MemoryStream(member);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Kind(string kind, int length)
    {
        var rng = new Random(length + kind.Length);
        var data = new byte[length];
        switch (kind)
        {
            case "zeros":
                break;
            case "two values":
                for (var i = 0; i < length; i++)
                {
                    data[i] = (byte)(rng.Next(10) == 0 ? 'b' : 'a');
                }

                break;
            case "random":
                rng.NextBytes(data);
                break;
            case "base64":
                var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(Kind("random", length)));
                Array.Copy(text, data, length);
                break;
            case "skewed":
                // Byte b about 1.6^-b as often as byte 0: a plain Huffman code would give the rarest 30-bit codes.
                for (var i = 0; i < length; i++)
                {
                    var b = 0;
                    while (b < 40 && rng.Next(1000) < 618)
                    {
                        b++;
                    }

                    data[i] = (byte)b;
                }

                break;
            case "every value":
                for (var i = 0; i < length; i++)
                {
                    data[i] = (byte)(i * 7 % 256);
                }

                break;
            case "pieces of each":
                for (var at = 0; at < length; at += HuffmanOnlyDeflate.Piece)
                {
                    var piece = Kind(new[] { "random", "base64", "zeros", "skewed" }[at / HuffmanOnlyDeflate.Piece % 4], Math.Min(HuffmanOnlyDeflate.Piece, length - at));
                    piece.CopyTo(data, at);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }

        return data;
    }

    [Theory]
    [InlineData("zeros", 0)]
    [InlineData("zeros", 1)]
    [InlineData("zeros", 100_000)]
    [InlineData("two values", 3)]
    [InlineData("two values", 65_536)]
    [InlineData("two values", 65_537)]
    [InlineData("random", 200_000)]
    [InlineData("base64", 1 << 20)]
    [InlineData("skewed", 300_000)]
    [InlineData("every value", 256)]
    [InlineData("every value", 131_071)]
    [InlineData("pieces of each", (5 << 16) + 17)]
    public void Reads_back_with_zlib_and_gzip(string kind, int length)
    {
        var data = Kind(kind, length);
        var member = Member(data);
        Assert.Equal(data, Inflate(member));
        Assert.Equal(data, BlockCompressionTests.DecompressWith("gzip", member));
        Assert.Equal(member, Member(data));
    }

    [Fact]
    public void Random_bytes_cost_no_more_than_stored_blocks()
    {
        var data = Kind("random", 200_000);
        // Stored: 5 bytes a block of at most 65,535 bytes (two for each whole 64 KiB piece), plus gzip's 18.
        var blocks = 0;
        for (var at = 0; at < data.Length; at += HuffmanOnlyDeflate.Piece)
        {
            blocks += (Math.Min(HuffmanOnlyDeflate.Piece, data.Length - at) + 65_534) / 65_535;
        }

        Assert.Equal(7, blocks);
        Assert.Equal(data.Length + (5 * blocks) + 18, Member(data).Length);
    }

    [Fact]
    public void Base64_takes_six_bits_a_byte_and_no_more_than_zlibs_huffman_only()
    {
        var data = Kind("base64", 1 << 20);
        var member = Member(data);
        using var zlib = new MemoryStream();
        using (var gzip = new GZipStream(zlib, new ZLibCompressionOptions { CompressionLevel = 5, CompressionStrategy = ZLibCompressionStrategy.HuffmanOnly }, leaveOpen: true))
        {
            gzip.Write(data);
        }

        Assert.True(member.Length <= zlib.Length, $"{member.Length} bytes against zlib's {zlib.Length}");
        Assert.True(member.Length < data.Length * 0.76, $"{member.Length} bytes for {data.Length}");
    }

    [Theory]
    [InlineData(15)]
    [InlineData(7)]
    public void Code_lengths_are_a_complete_code_within_the_limit(int maxBits)
    {
        // Fibonacci counts: an unlimited Huffman code of 30 symbols would be 29 bits deep.
        var counts = new int[30];
        counts[0] = counts[1] = 1;
        for (var i = 2; i < counts.Length; i++)
        {
            counts[i] = counts[i - 1] + counts[i - 2];
        }

        var lengths = new byte[counts.Length];
        HuffmanCodeLengths.Build(counts, lengths, maxBits);
        Assert.All(lengths, l => Assert.InRange(l, 1, maxBits));
        Assert.Equal(1L << maxBits, lengths.Sum(l => 1L << (maxBits - l)));
        for (var i = 1; i < counts.Length; i++)
        {
            Assert.True(lengths[i] <= lengths[i - 1], "a more frequent symbol never has a longer code");
        }
    }

    [Fact]
    public void One_used_symbol_gets_a_second_so_the_code_is_complete()
    {
        var lengths = new byte[5];
        HuffmanCodeLengths.Build([0, 0, 0, 9, 0], lengths, 15);
        Assert.Equal(new byte[] { 1, 0, 0, 1, 0 }, lengths);
        HuffmanCodeLengths.Build([9, 0, 0, 0, 0], lengths, 15);
        Assert.Equal(new byte[] { 1, 1, 0, 0, 0 }, lengths);
    }
}
