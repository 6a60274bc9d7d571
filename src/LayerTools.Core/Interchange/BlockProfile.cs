using System.Buffers.Binary;
using System.IO.Compression;

namespace LayerTools.Core.Interchange;

/// <summary>
/// What four samples of a block (16 KiB each, a quarter of its length apart) say about how it
/// compresses, decided by the block's bytes alone, so the output stays the same whatever the core
/// count. <see cref="Incompressible"/>: every sample looks random, so the block is stored.
/// <see cref="FewMatches"/> (asked for gzip only): repeated strings (LZ77 matches) would save almost
/// nothing over coding each byte by its frequency (order-0 Huffman), as in base64 or hex text of
/// random bytes, in at least three of the four samples (and the fourth's would not save that share of
/// the whole block); then deflate's match search is work for nothing.
/// </summary>
internal readonly record struct BlockProfile(bool Incompressible, bool FewMatches)
{
    private const int Sample = 16 << 10;

    /// <summary>
    /// The cost a match is taken to have, in bytes: a length and a distance code with their extra
    /// bits come to about three bytes in deflate's dynamic Huffman codes.
    /// </summary>
    private const double MatchCost = 3;

    /// <summary>deflate's longest match.</summary>
    private const int MaxMatch = 258;

    /// <summary>
    /// Matches that would save less than this share of the Huffman-coded size count as few. Measured
    /// on 1 MiB blocks: base64 and hex of random bytes, and compressed files, come to under 0.1%
    /// (there Huffman-only is as small as level 5, or smaller); the least repetitive binary seen (ICU
    /// data) 1.5%, where level 5 is 3.5% smaller; source text, ELF and .NET binaries 25-40%.
    /// </summary>
    private const double FewMatchesBelow = 1.0 / 256;

    /// <summary>Profiles a block; <paramref name="matches"/> false skips the match estimate (FewMatches stays false).</summary>
    public static BlockProfile Measure(byte[] block, int length, bool matches)
    {
        if (length < 4 * Sample)
        {
            return default;
        }

        if (LooksRandom(block, length))
        {
            return new BlockProfile(Incompressible: true, FewMatches: false);
        }

        if (!matches)
        {
            return default;
        }

        // Matches in one sample alone may be local (a tar header and its padding at a layer's start):
        // the sample stands for a quarter of the block, but they may cover a few KiB of it, where
        // Huffman coding costs hardly more (level 5 measured no smaller on such blocks of base64:
        // 0.00% and -0.07%). So they count as few when what they save, taken as all the block has,
        // is under the share of the whole block's Huffman-coded size; a quarter of text in base64 saves more.
        var matching = 0;
        double saved = 0;
        double huffman = 0;
        Span<int> counts = stackalloc int[256];
        Span<ushort> table = stackalloc ushort[1 << 14];
        for (var i = 0; i < 4; i++)
        {
            var sample = block.AsSpan(i * (length / 4), Sample);
            var bytesPerByte = Entropy(sample, counts) / 8;
            var sampleSaved = MatchSavings(sample, bytesPerByte, table);
            saved += sampleSaved;
            huffman += length / 4.0 * bytesPerByte;
            if (sampleSaved >= Sample * bytesPerByte * FewMatchesBelow)
            {
                matching++;
            }
        }

        return new BlockProfile(Incompressible: false, FewMatches: matching == 0 || (matching == 1 && saved < huffman * FewMatchesBelow));
    }

    /// <summary>
    /// True when all four samples look random: their bytes are spread almost evenly over all 256
    /// values (order-0 entropy of at least 7.9 bits a byte), and the fastest deflate does not shrink
    /// them below 97% (which catches an even spread that repeats). Both tests are needed: zlib-ng's
    /// fastest level uses fixed Huffman codes only, so it cannot shrink base64 or hex text (6 or 4
    /// bits a byte) that the real level compresses to three quarters; the entropy test keeps such text
    /// compressed.
    /// </summary>
    private static bool LooksRandom(byte[] block, int length)
    {
        using var probe = new MemoryStream(Sample + 1024);
        Span<int> counts = stackalloc int[256];
        for (var i = 0; i < 4; i++)
        {
            if (Entropy(block.AsSpan(i * (length / 4), Sample), counts) < 7.9)
            {
                return false;
            }

            probe.SetLength(0);
            using (var deflate = new DeflateStream(probe, CompressionLevel.Fastest, leaveOpen: true))
            {
                deflate.Write(block, i * (length / 4), Sample);
            }

            if (probe.Length < Sample * 97 / 100)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Order-0 entropy of the sample, in bits a byte (<paramref name="counts"/> is scratch).</summary>
    private static double Entropy(ReadOnlySpan<byte> sample, Span<int> counts)
    {
        ByteCounts.Count(sample, counts);
        var entropy = 0.0;
        foreach (var count in counts)
        {
            if (count > 0)
            {
                var p = (double)count / sample.Length;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy;
    }

    /// <summary>
    /// The bytes a greedy LZ77 parse of the sample would save over coding each byte at
    /// <paramref name="bytesPerByte"/>: each 4-byte string is looked up in a hash table of the last
    /// position it was seen at (as deflate's fast levels do), a match of at most deflate's 258 bytes
    /// taken wherever found; it pays what the bytes it covers cost beyond <see cref="MatchCost"/>. <paramref name="table"/> is scratch (positions + 1).
    /// </summary>
    private static double MatchSavings(ReadOnlySpan<byte> sample, double bytesPerByte, Span<ushort> table)
    {
        table.Clear();
        var saved = 0.0;
        var at = 0;
        while (at + 4 <= sample.Length)
        {
            var word = BinaryPrimitives.ReadUInt32LittleEndian(sample[at..]);
            var slot = (int)((word * 2654435761u) >> 18);
            var previous = table[slot] - 1;
            table[slot] = (ushort)(at + 1);
            if (previous >= 0 && BinaryPrimitives.ReadUInt32LittleEndian(sample[previous..]) == word)
            {
                // A match covers its bytes whether or not it pays (a run of one byte value costs
                // almost nothing either way), so the parse stays linear in the sample.
                var length = 4 + sample[(at + 4)..Math.Min(sample.Length, at + MaxMatch)].CommonPrefixLength(sample[(previous + 4)..]);
                saved += Math.Max(0, (length * bytesPerByte) - MatchCost);
                at += length;
                continue;
            }

            at++;
        }

        return saved;
    }
}
