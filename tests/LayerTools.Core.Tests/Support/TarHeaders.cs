using System.Globalization;
using System.Text;

namespace LayerTools.Core.Tests.Support;

/// <summary>
/// Reads tar headers as bytes, PAX records included (System.Formats.Tar turns PAX values into
/// strings, which loses binary extended attributes): what a test needs to see exactly what was written.
/// </summary>
internal static class TarHeaders
{
    public static List<TarHeader> Read(byte[] tar)
    {
        var headers = new List<TarHeader>();
        Dictionary<string, byte[]>? pax = null;
        string? paxName = null;
        var pos = 0;
        while (pos + 512 <= tar.Length && tar.AsSpan(pos, 512).IndexOfAnyExcept((byte)0) >= 0)
        {
            var h = tar.AsSpan(pos, 512);
            var size = Octal(h.Slice(124, 12));
            var type = (char)h[156];
            var data = tar.AsSpan(pos + 512, (int)size);
            pos += 512 + (int)((size + 511) / 512 * 512);
            var name = Text(h[..100]);
            var prefix = Text(h.Slice(345, 155));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }

            if (type == 'x')
            {
                pax = Records(data);
                paxName = name;
                continue;
            }

            headers.Add(new TarHeader(name, type, Octal(h.Slice(108, 8)), size, Octal(h.Slice(136, 12)), pax ?? new Dictionary<string, byte[]>(), paxName));
            pax = null;
            paxName = null;
        }

        return headers;
    }

    /// <summary>PAX records "LEN key=value\n"; asserts each LEN is the record's exact length.</summary>
    private static Dictionary<string, byte[]> Records(ReadOnlySpan<byte> data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var i = 0;
        while (i < data.Length)
        {
            var space = data[i..].IndexOf((byte)' ');
            var length = int.Parse(Encoding.ASCII.GetString(data.Slice(i, space)), CultureInfo.InvariantCulture);
            var record = data.Slice(i, length);
            Assert.Equal((byte)'\n', record[^1]);
            var body = record[(space + 1)..^1];
            var eq = body.IndexOf((byte)'=');
            records.Add(Encoding.UTF8.GetString(body[..eq]), body[(eq + 1)..].ToArray());
            i += length;
        }

        return records;
    }

    private static long Octal(ReadOnlySpan<byte> field)
    {
        var text = Text(field).Trim();
        return text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}

/// <summary>One entry's USTAR fields and the PAX records (raw bytes) and PAX header name before it.</summary>
internal sealed record TarHeader(string Name, char Type, long Uid, long Size, long Mtime, IReadOnlyDictionary<string, byte[]> Pax, string? PaxHeaderName)
{
    public string Path => Pax.TryGetValue("path", out var p) ? Encoding.UTF8.GetString(p) : Name;
}
