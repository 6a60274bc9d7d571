using System.IO.Compression;
using System.Text;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>
/// How each gzip block is deflated, from its own bytes: base64 and hex text of random bytes (which
/// LZ77 matches cannot shrink) Huffman-coded only (LayerTools' own encoder, no larger than zlib's
/// Huffman-only strategy), text and binaries at level 5, random bytes stored; on .NET 8 level 6 or
/// stored, as before. Every other choice writes what zlib writes with those settings; each reads back
/// with .NET and the real gzip, and is the same twice.
/// </summary>
public sealed class GzipMemberEncoderTests
{
    private const int Block = 1 << 20;

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Base64(int length, int seed) =>
        Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomBytes(length * 3 / 4, seed)));

    private static byte[] Hex(int length, int seed) =>
        Encoding.ASCII.GetBytes(Convert.ToHexString(RandomBytes(length / 2, seed)));

    /// <summary>The repository's own C# sources, repeated to the length: text with the matches of real code.</summary>
    private static byte[] SourceText(int length)
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "src", "LayerTools.Core")))
        {
            root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("The repository's src folder");
        }

        var text = new List<byte>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "src", "LayerTools.Core"), "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            text.AddRange(File.ReadAllBytes(file));
            if (text.Count >= length)
            {
                break;
            }
        }

        var bytes = new byte[length];
        for (var at = 0; at < length; at += text.Count)
        {
            text.CopyTo(0, bytes, at, Math.Min(text.Count, length - at));
        }

        return bytes;
    }

    private static GzipMethod Choice(byte[] block, GzipMemberEncoder encoder) =>
        encoder.Choose(BlockProfile.Measure(block, block.Length, matches: true));

    private static byte[] Zlib(byte[] block, int level, ZLibCompressionStrategy strategy)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = strategy }, leaveOpen: true))
        {
            gzip.Write(block);
        }

        return output.ToArray();
    }

    private static byte[] HuffmanOnly(byte[] block)
    {
        using var output = new MemoryStream();
        GzipMemberEncoder.WriteHuffmanOnly(output, block);
        return output.ToArray();
    }

    [Fact]
    public void This_runtime_lets_the_encoder_choose_a_level_and_strategy() =>
        Assert.True(GzipMemberEncoder.Current.Tuned, $".NET {Environment.Version} has ZLibCompressionOptions");

    [Theory]
    [InlineData("base64")]
    [InlineData("hex")]
    public void Text_of_random_bytes_is_huffman_coded_only_no_larger_than_level_5_and_reads_back(string kind)
    {
        var block = kind == "base64" ? Base64(Block, 11) : Hex(Block, 12);
        Assert.Equal(GzipMethod.HuffmanOnly, Choice(block, GzipMemberEncoder.Current));

        var compressed = BlockCompressionTests.Compress(block, LayerCompression.Gzip, degree: 2, writeSize: 65536);
        Assert.Equal(HuffmanOnly(block), compressed);
        Assert.True(compressed.Length <= Zlib(block, 5, ZLibCompressionStrategy.HuffmanOnly).Length, $"{compressed.Length} bytes, no more than zlib's Huffman-only strategy writes");
        Assert.True(compressed.Length <= Zlib(block, 5, ZLibCompressionStrategy.Default).Length * 1.005, $"{compressed.Length} bytes Huffman-only");
        Assert.Equal(block, BlockCompressionTests.Decompress(compressed, LayerCompression.Gzip));
        Assert.Equal(block, BlockCompressionTests.DecompressWith("gzip", compressed));
    }

    [Fact]
    public void Base64_behind_a_layers_first_tar_headers_is_still_huffman_coded_only()
    {
        // A layer's first block: a folder's and a file's 512-byte headers (mostly zeros), then the file's base64.
        var block = Base64(Block, 14);
        using (var tar = new MemoryStream())
        {
            using (var writer = new System.Formats.Tar.TarWriter(tar, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
            {
                writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.Directory, "data/layer1/"));
            }

            tar.ToArray().AsSpan(0, Math.Min(2048, (int)tar.Length)).CopyTo(block);
        }

        Assert.Equal(GzipMethod.HuffmanOnly, Choice(block, GzipMemberEncoder.Current));
        Assert.True(HuffmanOnly(block).Length <= Zlib(block, 5, ZLibCompressionStrategy.Default).Length * 1.001, "level 5 is no smaller there");
    }

    [Fact]
    public void A_quarter_of_source_text_in_base64_still_goes_level_5()
    {
        // Its matches show in one sample only, as a tar header's do, but they cover a quarter of the block.
        var block = Base64(Block, 15);
        SourceText(Block / 4).CopyTo(block, 3 * Block / 4);
        Assert.Equal(GzipMethod.Level5, Choice(block, GzipMemberEncoder.Current));
        Assert.True(Zlib(block, 5, ZLibCompressionStrategy.Default).Length < HuffmanOnly(block).Length * 0.9, "level 5 is much smaller there");
    }

    [Fact]
    public void Source_text_and_binaries_go_level_5()
    {
        var text = SourceText(Block);
        Assert.Equal(GzipMethod.Level5, Choice(text, GzipMemberEncoder.Current));
        var compressed = BlockCompressionTests.Compress(text, LayerCompression.Gzip, degree: 1, writeSize: Block);
        Assert.Equal(Zlib(text, 5, ZLibCompressionStrategy.Default), compressed);
        Assert.Equal(text, BlockCompressionTests.DecompressWith("gzip", compressed));

        // A compiled binary (this runtime's core library): its matches pay, Huffman-only would be far larger.
        var library = File.ReadAllBytes(typeof(object).Assembly.Location).AsSpan(0, Block).ToArray();
        Assert.Equal(GzipMethod.Level5, Choice(library, GzipMemberEncoder.Current));
    }

    [Fact]
    public void A_block_of_one_byte_value_goes_level_5_and_shrinks_to_almost_nothing()
    {
        // Every position matches the one before: the estimate must still see it as matches, not as text to Huffman-code.
        var zeros = new byte[Block];
        Assert.Equal(GzipMethod.Level5, Choice(zeros, GzipMemberEncoder.Current));
        var compressed = BlockCompressionTests.Compress(zeros, LayerCompression.Gzip, degree: 1, writeSize: Block);
        Assert.Equal(Zlib(zeros, 5, ZLibCompressionStrategy.Default), compressed);
        Assert.True(compressed.Length < 4096, $"{compressed.Length} bytes for 1 MiB of zeros");
    }

    [Fact]
    public void Random_bytes_are_stored()
    {
        var random = RandomBytes(Block, 13);
        Assert.Equal(GzipMethod.Stored, Choice(random, GzipMemberEncoder.Current));
        Assert.Equal(GzipMethod.Stored, Choice(random, GzipMemberEncoder.Net8));
    }

    [Fact]
    public void A_layer_of_each_kind_gives_the_same_bytes_twice_and_reads_back_with_gzip()
    {
        // Blocks of base64, source text, random bytes and hex, and a short last block.
        var layer = new byte[(4 * Block) + 1000];
        Base64(Block, 21).CopyTo(layer, 0);
        SourceText(Block).CopyTo(layer, Block);
        RandomBytes(Block, 22).CopyTo(layer, 2 * Block);
        Hex(Block + 1000, 23).CopyTo(layer, 3 * Block);

        var once = BlockCompressionTests.Compress(layer, LayerCompression.Gzip, degree: 1, writeSize: 65536);
        Assert.Equal(once, BlockCompressionTests.Compress(layer, LayerCompression.Gzip, degree: 3, writeSize: 100_003));
        Assert.Equal(layer, BlockCompressionTests.DecompressWith("gzip", once));

        var expected = new[]
        {
            HuffmanOnly(layer.AsSpan(0, Block).ToArray()),
            Zlib(layer.AsSpan(Block, Block).ToArray(), 5, ZLibCompressionStrategy.Default),
            Zlib(layer.AsSpan(2 * Block, Block).ToArray(), 0, ZLibCompressionStrategy.Default),
            HuffmanOnly(layer.AsSpan(3 * Block, Block).ToArray()),
            Zlib(layer.AsSpan(4 * Block).ToArray(), 5, ZLibCompressionStrategy.Default),
        }.SelectMany(member => member).ToArray();
        Assert.Equal(expected, once);
    }

    [Fact]
    public void On_net8_every_block_that_compresses_is_level_6_as_before()
    {
        var encoder = GzipMemberEncoder.Net8;
        Assert.False(encoder.Tuned);
        var base64 = Base64(Block, 31);
        var text = SourceText(Block);
        Assert.Equal(GzipMethod.Optimal, Choice(base64, encoder));
        Assert.Equal(GzipMethod.Optimal, Choice(text, encoder));

        var layer = base64.Concat(text).Concat(RandomBytes(Block, 32)).ToArray();
        using var expected = new MemoryStream();
        for (var at = 0; at < layer.Length; at += Block)
        {
            using var member = new GZipStream(expected, at < 2 * Block ? CompressionLevel.Optimal : CompressionLevel.NoCompression, leaveOpen: true);
            member.Write(layer, at, Block);
        }

        var compressed = BlockCompressionTests.Compress(layer, LayerCompression.Gzip, degree: 2, writeSize: 65536, GzipMemberEncoder.Net8);
        Assert.Equal(expected.ToArray(), compressed);
        Assert.Equal(layer, BlockCompressionTests.DecompressWith("gzip", compressed));
    }
}
