using System.Diagnostics;
using System.IO.Compression;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>
/// Layer compression on all cores: the bytes never depend on the degree of parallelism or on how the
/// input was written, the members/frames read back as the layer with .NET and with the real gzip and
/// zstd, and a layer smaller than one block is exactly what one compressor writes.
/// </summary>
public sealed class BlockCompressionTests
{
    /// <summary>Nine and a half blocks of gzip (two and a bit of zstd): text that compresses, and random bytes that do not.</summary>
    private static byte[] Layer()
    {
        var data = new byte[(9 << 20) + (512 << 10) + 123];
        var rng = new Random(7);
        for (var at = 0; at < data.Length; at += 64 << 10)
        {
            var chunk = data.AsSpan(at, Math.Min(64 << 10, data.Length - at));
            if ((at >> 16) % 3 == 0)
            {
                rng.NextBytes(chunk);
            }
            else
            {
                for (var i = 0; i < chunk.Length; i++)
                {
                    chunk[i] = (byte)"module.exports = 42;\n"[(at + i) % 21];
                }
            }
        }

        return data;
    }

    internal static byte[] Compress(byte[] data, LayerCompression compression, int degree, int writeSize, GzipMemberEncoder? gzip = null)
    {
        using var output = new MemoryStream();
        using (var compressor = gzip is null ? LayerCodec.OpenCompressor(output, compression, degree) : new BlockCompressionStream(output, compression, degree, gzip))
        {
            for (var at = 0; at < data.Length; at += writeSize)
            {
                compressor.Write(data, at, Math.Min(writeSize, data.Length - at));
            }
        }

        return output.ToArray();
    }

    internal static byte[] Decompress(byte[] compressed, LayerCompression compression)
    {
        using var input = new MemoryStream(compressed);
        using var reader = LayerCodec.OpenDecompressed(input, compression);
        using var output = new MemoryStream();
        reader.CopyTo(output);
        return output.ToArray();
    }

    internal static byte[] DecompressWith(string tool, byte[] compressed)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, compressed);
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-dc");
            psi.ArgumentList.Add(file);
            using var p = Process.Start(psi)!;
            using var output = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(output);
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            return output.ToArray();
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, "gzip")]
    [InlineData(LayerCompression.Zstd, "zstd")]
    public void The_bytes_are_the_same_on_one_core_or_many_and_read_back_as_the_layer(LayerCompression compression, string tool)
    {
        var layer = Layer();
        var one = Compress(layer, compression, degree: 1, writeSize: 1 << 20);
        Assert.Equal(one, Compress(layer, compression, degree: 2, writeSize: 81920));
        Assert.Equal(one, Compress(layer, compression, degree: 7, writeSize: 4093));
        Assert.Equal(one, Compress(layer, compression, degree: 0, writeSize: layer.Length));

        Assert.Equal(layer, Decompress(one, compression));
        Assert.Equal(layer, DecompressWith(tool, one));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, "gzip")]
    [InlineData(LayerCompression.Zstd, "zstd")]
    public void Blocks_that_do_not_compress_are_stored_and_still_read_back_the_same_on_any_core_count(LayerCompression compression, string tool)
    {
        var random = new byte[(5 << 20) + 77];
        new Random(3).NextBytes(random);
        var one = Compress(random, compression, degree: 1, writeSize: 65536);
        Assert.Equal(one, Compress(random, compression, degree: 3, writeSize: 1 << 20));
        Assert.True(one.Length < random.Length * 1.01, $"{one.Length} bytes for {random.Length} random bytes");
        Assert.Equal(random, Decompress(one, compression));
        Assert.Equal(random, DecompressWith(tool, one));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void Base64_text_is_compressed_not_stored(LayerCompression compression)
    {
        // Six bits a byte: the fastest deflate of zlib-ng (fixed Huffman codes) cannot shrink it, the
        // real level takes it to about three quarters, as skopeo's gzip and zstd do.
        var random = new byte[3 << 20];
        new Random(5).NextBytes(random);
        var text = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(random));
        var compressed = Compress(text, compression, degree: 2, writeSize: 65536);
        Assert.True(compressed.Length < text.Length * 0.8, $"{compressed.Length} bytes for {text.Length} bytes of base64");
        Assert.Equal(text, Decompress(compressed, compression));
    }

    [Fact]
    public void A_large_layer_is_cut_into_independent_gzip_members_one_per_block()
    {
        var layer = Layer();
        var compressed = Compress(layer, LayerCompression.Gzip, degree: 2, writeSize: 65536);
        var blocks = (layer.Length + BlockCompressionStream.BlockSize(LayerCompression.Gzip) - 1) / BlockCompressionStream.BlockSize(LayerCompression.Gzip);

        // Each member starts with gzip's magic and deflate method (1f 8b 08) and .NET's fixed header.
        var header = compressed.AsSpan(0, 10).ToArray();
        var members = 0;
        for (var at = compressed.AsSpan().IndexOf(header); at >= 0;)
        {
            members++;
            var next = compressed.AsSpan(at + 1).IndexOf(header);
            at = next < 0 ? -1 : at + 1 + next;
        }

        Assert.True(members >= blocks, $"{members} gzip headers for {blocks} blocks");
    }

    /// <summary>
    /// What one compressor writes for text: gzip at level 5 on this runtime (.NET 9 and later), at level
    /// 6 (Optimal) as .NET 8 writes it; zstd at its level.
    /// </summary>
    private static Stream OneCompressor(Stream destination, LayerCompression compression, bool net8) =>
        compression == LayerCompression.Zstd ? new ZstdSharp.CompressionStream(destination, LayerCodec.ZstdLevel, leaveOpen: true)
        : net8 ? new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true)
        : new GZipStream(destination, new ZLibCompressionOptions { CompressionLevel = 5 }, leaveOpen: true);

    [Theory]
    [InlineData(LayerCompression.Gzip, false)]
    [InlineData(LayerCompression.Gzip, true)]
    [InlineData(LayerCompression.Zstd, false)]
    public void A_layer_smaller_than_a_block_is_what_one_compressor_writes(LayerCompression compression, bool net8)
    {
        var gzip = net8 ? GzipMemberEncoder.Net8 : null;
        var small = Layer().AsSpan(0, 300_000).ToArray();
        using var single = new MemoryStream();
        using (var compressor = OneCompressor(single, compression, net8))
        {
            compressor.Write(small);
        }

        Assert.Equal(single.ToArray(), Compress(small, compression, degree: 2, writeSize: 1000, gzip));
        Assert.Equal(Array.Empty<byte>(), Decompress(Compress([], compression, degree: 2, writeSize: 1, gzip), compression));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, false)]
    [InlineData(LayerCompression.Gzip, true)]
    [InlineData(LayerCompression.Zstd, false)]
    public void Reused_contexts_and_pooled_buffers_write_block_for_block_what_a_fresh_compressor_writes(LayerCompression compression, bool net8)
    {
        var gzip = net8 ? GzipMemberEncoder.Net8 : null;
        // Text only, so every block is compressed (none stored): three and a half blocks.
        var size = BlockCompressionStream.BlockSize(compression);
        var text = new byte[(3 * size) + (size / 2)];
        for (var i = 0; i < text.Length; i++)
        {
            text[i] = (byte)"const answer = 42; // the module's line\n"[(i * 7 / 5) % 40];
        }

        using var expected = new MemoryStream();
        for (var at = 0; at < text.Length; at += size)
        {
            using var fresh = OneCompressor(expected, compression, net8);
            fresh.Write(text, at, Math.Min(size, text.Length - at));
        }

        // One worker reuses one context for every block; three share them in turn.
        Assert.Equal(expected.ToArray(), Compress(text, compression, degree: 1, writeSize: 100_000, gzip));
        Assert.Equal(expected.ToArray(), Compress(text, compression, degree: 3, writeSize: size, gzip));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void Whole_blocks_handed_over_uncopied_give_the_bytes_written_ones_do_and_nothing_may_follow_a_short_block(LayerCompression compression)
    {
        var layer = Layer();
        var size = BlockCompressionStream.BlockSize(compression);
        using var output = new MemoryStream();
        using (var compressor = LayerCodec.OpenCompressor(output, compression, degree: 2))
        {
            for (var at = 0; at < layer.Length; at += size)
            {
                var n = Math.Min(size, layer.Length - at);
                var block = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
                layer.AsSpan(at, n).CopyTo(block);
                compressor.WriteBlock(block, n);
            }

            // The last block was shorter: the layer ended there.
            Assert.Throws<InvalidOperationException>(() => compressor.Write(layer, 0, 1));
            Assert.Throws<InvalidOperationException>(() => compressor.WriteBlock(System.Buffers.ArrayPool<byte>.Shared.Rent(size), size));
        }

        Assert.Equal(Compress(layer, compression, degree: 1, writeSize: 65536), output.ToArray());

        // Not at a block boundary: refused, and the stream goes on as if it had not been called.
        using var partial = new MemoryStream();
        using (var compressor = LayerCodec.OpenCompressor(partial, compression, degree: 2))
        {
            compressor.Write(layer, 0, 10);
            Assert.Throws<InvalidOperationException>(() => compressor.WriteBlock(System.Buffers.ArrayPool<byte>.Shared.Rent(size), size));
            compressor.Write(layer, 10, layer.Length - 10);
        }

        Assert.Equal(layer, Decompress(partial.ToArray(), compression));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void A_destination_that_fails_stops_the_compression_with_its_error(LayerCompression compression)
    {
        var layer = Layer();
        var error = Assert.Throws<IOException>(() =>
        {
            using var compressor = LayerCodec.OpenCompressor(new FailingStream(200_000), compression, degree: 2);
            compressor.Write(layer);
        });

        Assert.Equal("disk full", error.Message);
        // The stream still works for the next layer: buffers and contexts went back whole.
        Assert.Equal(layer, Decompress(Compress(layer, compression, degree: 2, writeSize: 65536), compression));
    }

    /// <summary>A destination that takes <c>limit</c> bytes and then fails as a full disk does.</summary>
    private sealed class FailingStream(long limit) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length + buffer.Length > limit)
            {
                throw new IOException("disk full");
            }

            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }
}
