namespace LayerTools.Core.Interchange;

/// <summary>
/// The code lengths of a length-limited Huffman code for deflate (RFC 1951): from each symbol's
/// count, a Huffman tree's depths, then, where a depth passes the limit, lengths moved down until the
/// code fits it again (one code at the limit dropped, one shorter code split in two, until Kraft's
/// sum is exact). The code is always complete, as zlib's and Go's inflaters require of a code with
/// more than one symbol: a count with one used symbol is given a second (the lowest other symbol),
/// both of length 1. Ties are broken by symbol, so the lengths depend on the counts alone.
/// </summary>
internal static class HuffmanCodeLengths
{
    /// <summary>Fills <paramref name="lengths"/> (0 for an unused symbol) from <paramref name="counts"/>, no length over <paramref name="maxBits"/>.</summary>
    public static void Build(ReadOnlySpan<int> counts, Span<byte> lengths, int maxBits)
    {
        lengths.Clear();
        Span<int> symbols = stackalloc int[counts.Length];
        var used = 0;
        for (var s = 0; s < counts.Length; s++)
        {
            if (counts[s] > 0)
            {
                symbols[used++] = s;
            }
        }

        if (used < 2)
        {
            var first = used == 1 ? symbols[0] : 0;
            lengths[first] = 1;
            lengths[first == 0 ? 1 : 0] = 1;
            return;
        }

        // Least frequent first, then by symbol.
        var sorted = symbols[..used];
        for (var i = 1; i < sorted.Length; i++)
        {
            var s = sorted[i];
            var j = i - 1;
            while (j >= 0 && (counts[sorted[j]] > counts[s] || (counts[sorted[j]] == counts[s] && sorted[j] > s)))
            {
                sorted[j + 1] = sorted[j];
                j--;
            }

            sorted[j + 1] = s;
        }

        // The tree by two queues: leaves in sorted order, inner nodes in the order made (their weights never fall).
        var nodes = (2 * used) - 1;
        Span<long> weight = stackalloc long[nodes];
        Span<int> parent = stackalloc int[nodes];
        for (var i = 0; i < used; i++)
        {
            weight[i] = counts[sorted[i]];
        }

        int leaf = 0, inner = used;
        for (var made = used; made < nodes; made++)
        {
            var a = leaf < used && (inner >= made || weight[leaf] <= weight[inner]) ? leaf++ : inner++;
            var b = leaf < used && (inner >= made || weight[leaf] <= weight[inner]) ? leaf++ : inner++;
            weight[made] = weight[a] + weight[b];
            parent[a] = made;
            parent[b] = made;
        }

        Span<int> depth = stackalloc int[nodes];
        depth[nodes - 1] = 0;
        Span<int> perLength = stackalloc int[maxBits + 1];
        perLength.Clear();
        for (var i = nodes - 2; i >= 0; i--)
        {
            depth[i] = depth[parent[i]] + 1;
            if (i < used)
            {
                perLength[Math.Min(depth[i], maxBits)]++;
            }
        }

        // Kraft's sum in units of 2^-maxBits; the limit only ever raises it above one.
        long total = 0;
        for (var bits = 1; bits <= maxBits; bits++)
        {
            total += (long)perLength[bits] << (maxBits - bits);
        }

        while (total > 1L << maxBits)
        {
            perLength[maxBits]--;
            for (var bits = maxBits - 1; bits > 0; bits--)
            {
                if (perLength[bits] > 0)
                {
                    perLength[bits]--;
                    perLength[bits + 1] += 2;
                    break;
                }
            }

            total--;
        }

        // The longest codes to the least frequent symbols.
        var next = 0;
        for (var bits = maxBits; bits > 0; bits--)
        {
            for (var n = perLength[bits]; n > 0; n--)
            {
                lengths[sorted[next++]] = (byte)bits;
            }
        }
    }

    /// <summary>
    /// The canonical codes of <paramref name="lengths"/> (RFC 1951 3.2.2), each bit-reversed, since
    /// deflate sends a code's first bit first into a stream filled from each byte's low bit.
    /// </summary>
    public static void Codes(ReadOnlySpan<byte> lengths, Span<uint> codes, int maxBits)
    {
        Span<int> perLength = stackalloc int[maxBits + 1];
        perLength.Clear();
        foreach (var length in lengths)
        {
            perLength[length]++;
        }

        perLength[0] = 0;
        Span<uint> next = stackalloc uint[maxBits + 1];
        uint code = 0;
        for (var bits = 1; bits <= maxBits; bits++)
        {
            code = (code + (uint)perLength[bits - 1]) << 1;
            next[bits] = code;
        }

        for (var s = 0; s < lengths.Length; s++)
        {
            var length = lengths[s];
            codes[s] = length == 0 ? 0 : Reverse(next[length]++, length);
        }
    }

    private static uint Reverse(uint code, int length)
    {
        uint reversed = 0;
        for (var i = 0; i < length; i++)
        {
            reversed = (reversed << 1) | (code & 1);
            code >>= 1;
        }

        return reversed;
    }
}
