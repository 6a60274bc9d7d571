using System.Runtime.InteropServices;

namespace LayerTools.Core.Interchange;

/// <summary>
/// CRC-32 as gzip's trailer carries it (RFC 1952: ISO-HDLC, reflected, 0xEDB88320). The runtime's
/// own zlib-ng computes it (its <c>CompressionNative_Crc32</c>, a plain C function the runtime's
/// ZIP code calls; carry-less multiplication, tens of GB/s); where a runtime lacks that export, a
/// table-driven loop eight bytes at a time gives the same value.
/// </summary>
internal static class GzipCrc32
{
    private static readonly uint[] Table = MakeTable();

    private static readonly bool Native = Probe();

    /// <summary>The CRC of <paramref name="data"/> continued from <paramref name="crc"/> (0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => Native ? AppendNative(crc, data) : AppendManaged(crc, data);

    /// <summary>The table-driven loop alone (the fallback), for tests that it agrees with the runtime's.</summary>
    internal static uint AppendManaged(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        crc = ~crc;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var low = crc ^ (uint)(data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
            uint high = (uint)(data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24));
            crc = table[(7 * 256) + (low & 0xFF)] ^ table[(6 * 256) + ((low >> 8) & 0xFF)] ^ table[(5 * 256) + ((low >> 16) & 0xFF)] ^ table[(4 * 256) + (low >> 24)]
                ^ table[(3 * 256) + (high & 0xFF)] ^ table[(2 * 256) + ((high >> 8) & 0xFF)] ^ table[256 + ((high >> 16) & 0xFF)] ^ table[high >> 24];
        }

        for (; i < data.Length; i++)
        {
            crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint AppendNative(uint crc, ReadOnlySpan<byte> data)
    {
        for (var at = 0; at < data.Length; at += 1 << 30)
        {
            var piece = data.Slice(at, Math.Min(data.Length - at, 1 << 30));
            crc = CompressionNativeCrc32(crc, ref MemoryMarshal.GetReference(piece), piece.Length);
        }

        return crc;
    }

    private static bool Probe()
    {
        try
        {
            // "123456789" is the check value every CRC-32 definition gives: 0xCBF43926.
            return AppendNative(0, "123456789"u8) == 0xCBF43926;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static uint[] MakeTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (var n = 0; n < 256; n++)
        {
            for (var k = 1; k < 8; k++)
            {
                table[(k * 256) + n] = table[256 * (k - 1) + n] >> 8 ^ table[table[256 * (k - 1) + n] & 0xFF];
            }
        }

        return table;
    }

    [DllImport("libSystem.IO.Compression.Native", EntryPoint = "CompressionNative_Crc32")]
    private static extern uint CompressionNativeCrc32(uint crc, ref byte buffer, int length);
}
