using System.Text;

namespace LayerTools.Core.Tar;

/// <summary>The fields of one 512-byte tar header block: numbers (octal or base-256), NUL-ended text, the checksum.</summary>
internal static class TarHeaderFields
{
    /// <summary>Checks the header checksum of <paramref name="block"/> (the sum of its bytes, the checksum field read as spaces).</summary>
    public static void VerifyChecksum(ReadOnlySpan<byte> block, long blockOffset)
    {
        var stored = Number(block.Slice(148, 8), "checksum", blockOffset);
        long unsigned = 0, signed = 0;
        for (var i = 0; i < block.Length; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        // Some old writers summed signed bytes; Go's reader accepts either, as does this one.
        if (stored != unsigned && stored != signed)
        {
            throw new InvalidDataException($"the header at byte {blockOffset} has a wrong checksum: this is not a tar, or it is damaged.");
        }
    }

    /// <summary>A numeric field: octal text (spaces and NULs around it), or base-256 when the first byte has its high bit set.</summary>
    public static long Number(ReadOnlySpan<byte> field, string what, long blockOffset)
    {
        if (field.Length > 0 && (field[0] & 0x80) != 0)
        {
            // Base-256, two's complement: 0x80 marks a positive number, 0xff a negative one.
            var negative = (field[0] & 0x40) != 0;
            long value = field[0] & 0x3F;
            if (negative)
            {
                value = ~0x3FL | value;
            }

            for (var i = 1; i < field.Length; i++)
            {
                if (!negative && value > (long.MaxValue >> 8))
                {
                    throw new InvalidDataException($"the {what} field of the header at byte {blockOffset} is out of range.");
                }

                value = (value << 8) | field[i];
            }

            return value;
        }

        var text = field.Trim(" \0"u8);
        long result = 0;
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'7' || result > (long.MaxValue >> 3))
            {
                throw new InvalidDataException($"the {what} field of the header at byte {blockOffset} is not an octal number.");
            }

            result = (result << 3) | (long)(b - '0');
        }

        return result;
    }

    /// <summary>A text field: UTF-8 up to its first NUL.</summary>
    public static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
