using System.Text;

namespace LayerTools.Core.Tar;

/// <summary>
/// The PAX extended header ('x' per entry, 'g' global): its records and the values the reader takes
/// from them, each checked (a malformed record or value is an <see cref="InvalidDataException"/>).
/// </summary>
internal static class PaxRecords
{
    /// <summary>PAX records "LEN key=value\n", each taken by its declared length: a value may hold any byte.</summary>
    public static void Parse(byte[] data, Dictionary<string, byte[]> records, long blockOffset)
    {
        var i = 0;
        while (i < data.Length)
        {
            var rest = data.AsSpan(i);
            var space = rest[..Math.Min(rest.Length, 20)].IndexOf((byte)' ');
            long length = 0;
            if (space <= 0)
            {
                throw BadRecord(blockOffset, i);
            }

            foreach (var b in rest[..space])
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    throw BadRecord(blockOffset, i);
                }

                length = (length * 10) + (b - '0');
            }

            if (length < space + 3 || length > rest.Length || rest[(int)length - 1] != (byte)'\n')
            {
                throw BadRecord(blockOffset, i);
            }

            var body = rest[(space + 1)..((int)length - 1)];
            var eq = body.IndexOf((byte)'=');
            if (eq <= 0 || body[..eq].IndexOf((byte)0) >= 0)
            {
                throw BadRecord(blockOffset, i);
            }

            records[Encoding.UTF8.GetString(body[..eq])] = body[(eq + 1)..].ToArray();
            i += (int)length;
        }
    }

    private static InvalidDataException BadRecord(long blockOffset, int at) =>
        new($"the PAX header at byte {blockOffset} has a malformed record at offset {at} of its data.");

    /// <summary>A text value (path, linkpath): UTF-8, no NUL byte.</summary>
    public static string Text(byte[] value, string key, long blockOffset)
    {
        if (Array.IndexOf(value, (byte)0) >= 0)
        {
            throw new InvalidDataException($"the PAX {key} record at byte {blockOffset} holds a NUL byte.");
        }

        return Encoding.UTF8.GetString(value);
    }

    /// <summary>A decimal value (size, uid, gid).</summary>
    public static long Number(byte[] value, string key, long blockOffset)
    {
        long result = 0;
        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9' || result > (long.MaxValue / 10) - 9)
            {
                throw new InvalidDataException($"the PAX {key} record at byte {blockOffset} is not a decimal number.");
            }

            result = (result * 10) + (b - '0');
        }

        return result;
    }

    /// <summary>A PAX time: "[-]seconds[.fraction]"; the fraction is dropped (layers keep whole seconds).</summary>
    public static long Seconds(byte[] value, long blockOffset)
    {
        var span = value.AsSpan();
        var negative = span.Length > 0 && span[0] == (byte)'-';
        if (negative)
        {
            span = span[1..];
        }

        var dot = span.IndexOf((byte)'.');
        var whole = Number((dot < 0 ? span : span[..dot]).ToArray(), "mtime", blockOffset);
        if (dot >= 0)
        {
            foreach (var b in span[(dot + 1)..])
            {
                if (b is < (byte)'0' or > (byte)'9')
                {
                    throw new InvalidDataException($"the PAX mtime record at byte {blockOffset} is not a number.");
                }
            }
        }

        return negative ? -whole : whole;
    }
}
