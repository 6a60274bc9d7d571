using System.Globalization;
using System.Text;

namespace LayerTools.Core.Tar;

/// <summary>
/// The one writer of tar headers (layers and image archives alike), byte by byte: a USTAR header
/// for every entry with numeric ids, empty user and group names and a whole-second mtime, preceded
/// by a PAX extended header only when a field does not fit USTAR (long or non-ASCII names and link
/// names, large ids, sizes or times) or the entry carries extended attributes. Never atime or ctime.
/// PAX values are raw bytes, so binary attributes such as security.capability survive
/// (System.Formats.Tar takes PAX values as text, names its PAX headers after the process id and adds
/// atime/ctime before .NET 10). Records are sorted by key and the PAX header's own fields are fixed:
/// the output depends only on the entries. Its USTAR headers are byte for byte the ones
/// System.Formats.Tar writes.
/// </summary>
internal static class TarHeaderWriter
{
    public const char TypeFile = '0';
    public const char TypeHardLink = '1';
    public const char TypeSymlink = '2';
    public const char TypeChar = '3';
    public const char TypeBlock = '4';
    public const char TypeDirectory = '5';
    public const char TypeFifo = '6';

    private const long MaxId = 0x1FFFFF;
    private const long MaxSize = 0x1FFFFFFFFL;
    private const long MaxTime = 0x1FFFFFFFFL;

    /// <summary>The header type of a layer entry type.</summary>
    public static char TypeOf(EntryType type) => type switch
    {
        EntryType.File => TypeFile,
        EntryType.Directory => TypeDirectory,
        EntryType.SymbolicLink => TypeSymlink,
        EntryType.HardLink => TypeHardLink,
        EntryType.CharDevice => TypeChar,
        EntryType.BlockDevice => TypeBlock,
        EntryType.Fifo => TypeFifo,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Whiteouts are written as the files that stand for them."),
    };

    /// <summary>Writes the header(s) of one entry; the caller writes <paramref name="size"/> data bytes and then <see cref="WritePadding"/>.</summary>
    /// <returns>True when a PAX header was needed.</returns>
    public static bool WriteHeader(Stream output, string name, char type, int mode, int uid, int gid, long size, long mtime, string? linkName, int devMajor, int devMinor, IEnumerable<KeyValuePair<string, byte[]>>? xattrs)
    {
        var pax = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] headerName;
        byte[] prefix = Array.Empty<byte>();
        if (IsAscii(name) && nameBytes.Length <= 100)
        {
            headerName = nameBytes;
        }
        else if (IsAscii(name) && Split(nameBytes) is { } split)
        {
            (prefix, headerName) = split;
        }
        else
        {
            pax["path"] = nameBytes;
            headerName = Ascii(name, 100);
        }

        var link = linkName is null ? Array.Empty<byte>() : Encoding.UTF8.GetBytes(linkName);
        if (linkName is not null && (!IsAscii(linkName) || link.Length > 100))
        {
            pax["linkpath"] = link;
            link = Ascii(linkName, 100);
        }

        if (uid > MaxId || uid < 0)
        {
            pax["uid"] = Number(uid);
            uid = 0;
        }

        if (gid > MaxId || gid < 0)
        {
            pax["gid"] = Number(gid);
            gid = 0;
        }

        var headerSize = size;
        if (size > MaxSize)
        {
            pax["size"] = Number(size);
            headerSize = 0;
        }

        var headerTime = mtime;
        if (mtime > MaxTime || mtime < 0)
        {
            pax["mtime"] = Number(mtime);
            headerTime = 0;
        }

        if (xattrs is not null)
        {
            foreach (var (key, value) in xattrs)
            {
                pax["SCHILY.xattr." + key] = value;
            }
        }

        if (pax.Count > 0 && prefix.Length > 0)
        {
            // A PAX header is written anyway: the name goes in it too, as Go's archive/tar does, because
            // readers such as System.Formats.Tar ignore the USTAR prefix after a PAX header.
            pax["path"] = nameBytes;
            prefix = Array.Empty<byte>();
            headerName = Ascii(name, 100);
        }

        if (pax.Count > 0)
        {
            var data = PaxData(pax);
            var paxName = PaxName(name);
            output.Write(Header(paxName, Array.Empty<byte>(), 'x', 0x1A4, 0, 0, data.Length, 0, Array.Empty<byte>(), 0, 0));
            output.Write(data);
            WritePadding(output, data.Length);
        }

        output.Write(Header(headerName, prefix, type, mode, uid, gid, headerSize, headerTime, link, devMajor, devMinor));
        return pax.Count > 0;
    }

    /// <summary>Zeros up to the next 512-byte boundary after <paramref name="size"/> bytes of data.</summary>
    public static void WritePadding(Stream output, long size)
    {
        var pad = (int)((512 - (size % 512)) % 512);
        if (pad > 0)
        {
            output.Write(new byte[pad]);
        }
    }

    /// <summary>The end of the archive: two zero blocks.</summary>
    public static void WriteEnd(Stream output) => output.Write(new byte[1024]);

    private static byte[] Header(byte[] name, byte[] prefix, char type, int mode, int uid, int gid, long size, long mtime, byte[] link, int devMajor, int devMinor)
    {
        var h = new byte[512];
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(h.AsSpan(0));
        Octal(h, 100, 8, mode & 0xFFF);
        Octal(h, 108, 8, uid);
        Octal(h, 116, 8, gid);
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime);
        h[156] = (byte)type;
        link.AsSpan(0, Math.Min(link.Length, 100)).CopyTo(h.AsSpan(157));
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        if (type is TypeChar or TypeBlock)
        {
            Octal(h, 329, 8, devMajor);
            Octal(h, 337, 8, devMinor);
        }

        prefix.AsSpan(0, Math.Min(prefix.Length, 155)).CopyTo(h.AsSpan(345));
        h.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }

        var text = Convert.ToString(sum, 8).PadLeft(6, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, 148);
        h[154] = 0;
        h[155] = (byte)' ';
        return h;
    }

    private static void Octal(byte[] h, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(h, offset);
        h[offset + length - 1] = 0;
    }

    private static byte[] Number(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>PAX records "LEN key=value\n", LEN counting the whole record including itself.</summary>
    private static byte[] PaxData(SortedDictionary<string, byte[]> records)
    {
        using var ms = new MemoryStream();
        foreach (var (key, value) in records)
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            var body = keyBytes.Length + value.Length + 3; // space, '=', newline
            var length = body + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + body != length)
            {
                length = length.ToString(CultureInfo.InvariantCulture).Length + body;
            }

            ms.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " "));
            ms.Write(keyBytes);
            ms.WriteByte((byte)'=');
            ms.Write(value);
            ms.WriteByte((byte)'\n');
        }

        return ms.ToArray();
    }

    /// <summary>The PAX header's own name, as Go's archive/tar makes it: dir/PaxHeaders.0/base, ASCII, at most 100 bytes.</summary>
    private static byte[] PaxName(string name)
    {
        var trimmed = name.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        var dir = slash < 0 ? string.Empty : trimmed[..(slash + 1)];
        var paxName = dir + "PaxHeaders.0/" + (slash < 0 ? trimmed : trimmed[(slash + 1)..]);
        return Ascii(paxName, 100);
    }

    private static (byte[] Prefix, byte[] Name)? Split(byte[] name)
    {
        if (name.Length > 256)
        {
            return null;
        }

        for (var i = Math.Min(name.Length - 1, 155); i > 0; i--)
        {
            if (name[i] == (byte)'/' && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return (name[..i], name[(i + 1)..]);
            }
        }

        return null;
    }

    private static bool IsAscii(string s)
    {
        foreach (var c in s)
        {
            if (c > 0x7E || c < 0x20)
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Ascii(string s, int max)
    {
        var chars = s.Select(c => c is > (char)0x7E or < (char)0x20 ? '_' : c).ToArray();
        var bytes = Encoding.ASCII.GetBytes(chars);
        return bytes.Length <= max ? bytes : bytes[^max..];
    }
}
