using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Deflate (RFC 1951) by Huffman coding alone, no match search, for bytes LZ77 matches would not
/// shrink (base64 or hex text; <see cref="BlockProfile.FewMatches"/>): what zlib's
/// <c>Z_HUFFMAN_ONLY</c> strategy writes in kind, at about 2.5 times zlib-ng's speed here. The
/// input is cut into pieces of <see cref="Piece"/> bytes, each one deflate block with its own code
/// (dynamic Huffman, the literal code limited to 15 bits), or stored when that is smaller. The bytes
/// depend on the input alone (not on the runtime's zlib-ng).
/// </summary>
internal static class HuffmanOnlyDeflate
{
    /// <summary>The input bytes one deflate block codes: its own code adapts to where the bytes change.</summary>
    public const int Piece = 1 << 16;

    private const int MaxBits = 15;
    private const int MaxCodeLengthBits = 7;
    private const int EndOfBlock = 256;
    private const int LiteralCodes = 257;
    private const int StoredMax = 65535;

    /// <summary>The order the code-length code's lengths are sent in (RFC 1951 3.2.7).</summary>
    private static ReadOnlySpan<byte> CodeLengthOrder => [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

    /// <summary>Writes <paramref name="input"/> as a complete raw deflate stream (its last block final).</summary>
    public static void Encode(ReadOnlySpan<byte> input, Stream destination)
    {
        // The worst piece: its header, and every byte a 15-bit code (a stored piece is shorter still).
        var scratch = ArrayPool<byte>.Shared.Rent((Piece * MaxBits / 8) + 1024);
        try
        {
            var bits = new BitBuffer(scratch);
            if (input.IsEmpty)
            {
                // A final block of fixed codes holding only its end (fixed code 256 is seven zero bits).
                bits.Write(1 | (1 << 1), 3);
                bits.Write(0, 7);
            }

            for (var at = 0; at < input.Length; at += Piece)
            {
                var piece = input.Slice(at, Math.Min(Piece, input.Length - at));
                WriteBlock(ref bits, piece, final: at + piece.Length == input.Length);
                destination.Write(scratch, 0, bits.TakeWholeBytes());
            }

            destination.Write(scratch, 0, bits.Finish());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void WriteBlock(ref BitBuffer bits, ReadOnlySpan<byte> piece, bool final)
    {
        Span<int> counts = stackalloc int[LiteralCodes];
        ByteCounts.Count(piece, counts);
        counts[EndOfBlock] = 1;
        Span<byte> lengths = stackalloc byte[LiteralCodes];
        HuffmanCodeLengths.Build(counts, lengths, MaxBits);

        // The literal lengths then two distance codes of one bit (no distance is ever sent; zlib, too,
        // gives every block at least two distance codes, which the oldest inflaters need), run-length coded.
        Span<byte> all = stackalloc byte[LiteralCodes + 2];
        lengths.CopyTo(all);
        all[LiteralCodes] = 1;
        all[LiteralCodes + 1] = 1;
        Span<byte> runSymbols = stackalloc byte[all.Length];
        Span<byte> runExtras = stackalloc byte[all.Length];
        var runs = RunLengths(all, runSymbols, runExtras);
        Span<int> codeLengthCounts = stackalloc int[19];
        codeLengthCounts.Clear();
        foreach (var symbol in runSymbols[..runs])
        {
            codeLengthCounts[symbol]++;
        }

        Span<byte> codeLengthLengths = stackalloc byte[19];
        HuffmanCodeLengths.Build(codeLengthCounts, codeLengthLengths, MaxCodeLengthBits);
        var sent = 19;
        while (sent > 4 && codeLengthLengths[CodeLengthOrder[sent - 1]] == 0)
        {
            sent--;
        }

        long headerBits = 3 + 5 + 5 + 4 + (3 * sent);
        for (var i = 0; i < runs; i++)
        {
            headerBits += codeLengthLengths[runSymbols[i]] + ExtraBits(runSymbols[i]);
        }

        long dataBits = 0;
        for (var s = 0; s < LiteralCodes; s++)
        {
            dataBits += (long)counts[s] * lengths[s];
        }

        var storedBlocks = (piece.Length + StoredMax - 1) / StoredMax;
        if (headerBits + dataBits >= (piece.Length + (5L * storedBlocks)) * 8)
        {
            WriteStored(ref bits, piece, final);
            return;
        }

        Span<uint> codeLengthCodes = stackalloc uint[19];
        HuffmanCodeLengths.Codes(codeLengthLengths, codeLengthCodes, MaxCodeLengthBits);
        bits.Write((final ? 1u : 0u) | (2u << 1), 3);
        bits.Write(0, 5); // HLIT: 257 literal/length codes.
        bits.Write(1, 5); // HDIST: 2 distance codes.
        bits.Write((uint)(sent - 4), 4);
        for (var i = 0; i < sent; i++)
        {
            bits.Write(codeLengthLengths[CodeLengthOrder[i]], 3);
        }

        for (var i = 0; i < runs; i++)
        {
            var symbol = runSymbols[i];
            bits.Write(codeLengthCodes[symbol], codeLengthLengths[symbol]);
            if (ExtraBits(symbol) > 0)
            {
                bits.Write(runExtras[i], ExtraBits(symbol));
            }
        }

        Span<uint> codes = stackalloc uint[LiteralCodes];
        HuffmanCodeLengths.Codes(lengths, codes, MaxBits);
        Span<uint> table = stackalloc uint[256];
        var longest = 0;
        for (var s = 0; s < 256; s++)
        {
            table[s] = codes[s] | ((uint)lengths[s] << 16);
            longest = Math.Max(longest, lengths[s]);
        }

        bits.WriteCoded(piece, table, longest);
        bits.Write(codes[EndOfBlock], lengths[EndOfBlock]);
    }

    private static void WriteStored(ref BitBuffer bits, ReadOnlySpan<byte> piece, bool final)
    {
        for (var at = 0; at < piece.Length; at += StoredMax)
        {
            var n = Math.Min(StoredMax, piece.Length - at);
            bits.Write(final && at + n == piece.Length ? 1u : 0u, 3);
            bits.AlignToByte();
            bits.Write((uint)n | ((uint)(~n & 0xFFFF) << 16), 32);
            bits.WriteBytes(piece.Slice(at, n));
        }
    }

    /// <summary>
    /// The code-length sequence as code-length symbols (RFC 1951 3.2.7: 16 repeats the previous length
    /// 3-6 times, 17 and 18 give 3-10 and 11-138 zeros) and each one's extra bits; returns how many.
    /// </summary>
    private static int RunLengths(ReadOnlySpan<byte> lengths, Span<byte> symbols, Span<byte> extras)
    {
        var count = 0;
        var i = 0;
        while (i < lengths.Length)
        {
            var value = lengths[i];
            var run = 1;
            while (i + run < lengths.Length && lengths[i + run] == value)
            {
                run++;
            }

            i += run;
            if (value == 0)
            {
                while (run >= 11)
                {
                    var n = Math.Min(run, 138);
                    (symbols[count], extras[count++]) = (18, (byte)(n - 11));
                    run -= n;
                }

                if (run >= 3)
                {
                    (symbols[count], extras[count++]) = (17, (byte)(run - 3));
                    run = 0;
                }
            }
            else
            {
                (symbols[count], extras[count++]) = (value, 0);
                run--;
                while (run >= 3)
                {
                    var n = Math.Min(run, 6);
                    (symbols[count], extras[count++]) = (16, (byte)(n - 3));
                    run -= n;
                }
            }

            for (; run > 0; run--)
            {
                (symbols[count], extras[count++]) = (value, 0);
            }
        }

        return count;
    }

    private static int ExtraBits(int codeLengthSymbol) => codeLengthSymbol switch
    {
        16 => 2,
        17 => 3,
        18 => 7,
        _ => 0,
    };

    /// <summary>Bits gathered from each byte's low bit up, into a buffer large enough for one piece.</summary>
    private ref struct BitBuffer
    {
        private readonly Span<byte> _buffer;
        private ulong _bits;
        private int _count;
        private int _position;

        public BitBuffer(Span<byte> buffer) => _buffer = buffer;

        /// <summary>Adds the low <paramref name="count"/> bits of <paramref name="value"/> (at most 32).</summary>
        public void Write(uint value, int count)
        {
            _bits |= (ulong)value << _count;
            _count += count;
            if (_count >= 32)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_position..], (uint)_bits);
                _position += 4;
                _bits >>= 32;
                _count -= 32;
            }
        }

        /// <summary>
        /// Each byte of <paramref name="data"/> by its entry in <paramref name="table"/> (code | length &lt;&lt; 16),
        /// codes no longer than <paramref name="longest"/> bits. Four codes (two when one may pass 8 bits)
        /// are joined before they join the bits held, so each group waits once on the count of bits held;
        /// then eight bytes are stored whatever is whole and the whole bytes taken, without a branch.
        /// Compiled fully optimized at its first call, for the reason <see cref="ByteCounts.Count"/> is.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void WriteCoded(scoped ReadOnlySpan<byte> data, scoped ReadOnlySpan<uint> table, int longest)
        {
            TakeBytes();
            var bits = _bits;
            var count = _count;
            var position = _position;
            ref var start = ref MemoryMarshal.GetReference(data);
            ref var codes = ref MemoryMarshal.GetReference(table);
            ref var output = ref MemoryMarshal.GetReference(_buffer);
            var i = 0;
            if (longest <= 8)
            {
                // Four codes of at most 8 bits on at most 7 held: never past 39.
                for (; i + 4 <= data.Length; i += 4)
                {
                    var e0 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i));
                    var e1 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i + 1));
                    var e2 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i + 2));
                    var e3 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i + 3));
                    var low = (e0 & 0xFFFF) | ((e1 & 0xFFFF) << (int)(e0 >> 16));
                    var high = (e2 & 0xFFFF) | ((e3 & 0xFFFF) << (int)(e2 >> 16));
                    var lowLength = (int)((e0 >> 16) + (e1 >> 16));
                    bits |= ((ulong)low | ((ulong)high << lowLength)) << count;
                    count += lowLength + (int)((e2 >> 16) + (e3 >> 16));
                    Store(ref output, ref position, ref bits, ref count);
                }
            }
            else
            {
                // Two codes of at most 15 bits on at most 7 held: never past 37.
                for (; i + 2 <= data.Length; i += 2)
                {
                    var e0 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i));
                    var e1 = Unsafe.Add(ref codes, Unsafe.Add(ref start, i + 1));
                    bits |= (ulong)((e0 & 0xFFFF) | ((e1 & 0xFFFF) << (int)(e0 >> 16))) << count;
                    count += (int)((e0 >> 16) + (e1 >> 16));
                    Store(ref output, ref position, ref bits, ref count);
                }
            }

            (_bits, _count, _position) = (bits, count, position);
            for (; i < data.Length; i++)
            {
                var entry = table[data[i]];
                Write(entry & 0xFFFF, (int)(entry >> 16));
            }
        }

        /// <summary>Stores the eight bytes held (the buffer has room past its end) and keeps the bits of a partial byte.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(ref byte output, ref int position, ref ulong bits, ref int count)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref output, position), BitConverter.IsLittleEndian ? bits : BinaryPrimitives.ReverseEndianness(bits));
            var whole = count >> 3;
            position += whole;
            bits >>= whole << 3;
            count &= 7;
        }

        /// <summary>Pads with zero bits to the next byte.</summary>
        public void AlignToByte()
        {
            _count = (_count + 7) & ~7;
            if (_count >= 32)
            {
                Write(0, 0);
            }
        }

        /// <summary>Bytes as they are, after <see cref="AlignToByte"/>.</summary>
        public void WriteBytes(scoped ReadOnlySpan<byte> data)
        {
            TakeBytes();
            data.CopyTo(_buffer[_position..]);
            _position += data.Length;
        }

        /// <summary>The whole bytes written so far (from the buffer's start), the bits of a partial byte kept for the next block.</summary>
        public int TakeWholeBytes()
        {
            TakeBytes();
            var n = _position;
            _position = 0;
            return n;
        }

        /// <summary>The rest, its last byte padded with zero bits.</summary>
        public int Finish()
        {
            AlignToByte();
            return TakeWholeBytes();
        }

        private void TakeBytes()
        {
            while (_count >= 8)
            {
                _buffer[_position++] = (byte)_bits;
                _bits >>= 8;
                _count -= 8;
            }
        }
    }
}
