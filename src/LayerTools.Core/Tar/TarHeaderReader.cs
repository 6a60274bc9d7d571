using System.Text;

namespace LayerTools.Core.Tar;

/// <summary>
/// The one reader of tar headers (layers, ADD archives, image archives), byte by byte, the
/// counterpart of <see cref="TarHeaderWriter"/>. It reads V7, USTAR (with its name prefix), GNU
/// (long names 'L' and link names 'K') and PAX ('x' records per entry, parsed by their declared
/// lengths so a value may hold any byte, newlines included), numbers in octal or base-256, and
/// verifies every header checksum. Global PAX headers ('g') are checked and then ignored, as
/// Docker's layer extraction ignores them. GNU sparse files are refused: a layer holds whole files.
/// It never buffers entry data: <see cref="TarEntryHeader.Data"/> reads straight from the tar, and
/// what a caller leaves unread is skipped (by seeking when the stream can) before the next header.
/// Bounded (formats.md, Security): the headers before one entry (PAX and long-name records) at most
/// <see cref="IngestLimits.MaxHeaderBytes"/>, a name or link name at most 64 KiB. A tar that ends
/// inside a header or an entry's data is corrupt; one that ends at a header boundary, with or
/// without its zero blocks, has ended (as Go's archive/tar reads it).
/// Corruption is an <see cref="InvalidDataException"/> (callers name the archive); limits and
/// sparse files are <see cref="LayerToolsException"/>s.
/// </summary>
internal sealed class TarHeaderReader
{
    public const int MaxNameBytes = 64 * 1024;

    private const int Block = 512;
    private const string XattrPrefix = "SCHILY.xattr.";

    private readonly Stream _stream;
    private readonly long _maxHeaderBytes;
    private readonly string _source;
    private readonly byte[] _block = new byte[Block];
    private long _position;
    private long _remaining;
    private long _padding;
    private int _generation;
    private bool _ended;

    public TarHeaderReader(Stream stream, string source, IngestLimits? limits = null)
    {
        _stream = stream;
        _source = source;
        _maxHeaderBytes = (limits ?? IngestLimits.Default).MaxHeaderBytes;
    }

    /// <summary>Bytes consumed from the stream so far.</summary>
    public long Position => _position;

    /// <summary>The name of the last entry read, or null before the first.</summary>
    public string? LastName { get; private set; }

    /// <summary>Where reading stands, for an error to name: "entry 'x'" (its data, or the header after it), or "its first entry".</summary>
    public string Location => LocationOf(this);

    /// <summary><see cref="Location"/> of a reader that may not have been made yet.</summary>
    public static string LocationOf(TarHeaderReader? reader) => reader?.LastName is { } name ? $"entry '{name}'" : "its first entry";

    /// <summary>The next entry, or null at the end of the tar. Skips what was left unread of the previous entry's data.</summary>
    public TarEntryHeader? Next()
    {
        if (_ended)
        {
            return null;
        }

        Skip(_remaining + _padding);
        _remaining = 0;
        _padding = 0;
        _generation++;

        var headerOffset = _position;
        long extensionBytes = 0;
        string? longName = null;
        string? longLink = null;
        Dictionary<string, byte[]>? pax = null;
        while (true)
        {
            var blockOffset = _position;
            if (!ReadBlock(extensionBytes > 0))
            {
                _ended = true;
                return null;
            }

            if (_block.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                if (extensionBytes > 0)
                {
                    throw new InvalidDataException($"the tar ends (a zero block at byte {blockOffset}) after a PAX or long-name header that names no entry.");
                }

                _ended = true;
                return null;
            }

            VerifyChecksum(blockOffset);
            var type = (char)_block[156];
            var size = Number(_block.AsSpan(124, 12), "size", blockOffset);
            if (size < 0)
            {
                throw new InvalidDataException($"the header at byte {blockOffset} has a negative size.");
            }

            switch (type)
            {
                case 'x' or 'g' or 'L' or 'K':
                    extensionBytes += Block + Padded(size);
                    if (extensionBytes > _maxHeaderBytes)
                    {
                        throw new LayerToolsException("TarHeaderTooLarge", ErrorKind.LimitsExceeded, $"'{_source}': the tar header at byte {blockOffset} (with its PAX or long-name records) is larger than the limit of {_maxHeaderBytes} bytes (after {Location}).", _source);
                    }

                    if (type is 'L' or 'K' && size > MaxNameBytes)
                    {
                        throw new LayerToolsException("TarNameTooLong", ErrorKind.LimitsExceeded, $"'{_source}': the GNU long name at byte {blockOffset} is {size} bytes; names are limited to {MaxNameBytes} bytes (after {Location}).", _source);
                    }

                    var data = ReadExtension((int)size, blockOffset);
                    if (type == 'x')
                    {
                        pax ??= new Dictionary<string, byte[]>(StringComparer.Ordinal);
                        ParsePax(data, pax, blockOffset);
                    }
                    else if (type == 'g')
                    {
                        // Checked, then ignored, as Docker does: global records are not part of a layer.
                        ParsePax(data, new Dictionary<string, byte[]>(StringComparer.Ordinal), blockOffset);
                    }
                    else
                    {
                        var end = Array.IndexOf(data, (byte)0);
                        var text = Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end);
                        if (type == 'L')
                        {
                            longName = text;
                        }
                        else
                        {
                            longLink = text;
                        }
                    }

                    continue;
                case 'S':
                    throw Sparse(Field(_block.AsSpan(0, 100)));
            }

            return Entry(type, size, blockOffset, headerOffset, longName, longLink, pax);
        }
    }

    private TarEntryHeader Entry(char type, long size, long blockOffset, long headerOffset, string? longName, string? longLink, Dictionary<string, byte[]>? pax)
    {
        var h = _block.AsSpan();
        var name = Field(h[..100]);
        var magic = h.Slice(257, 8);
        var ustar = magic.StartsWith("ustar\0"u8);
        if (ustar)
        {
            // USTAR splits a long name into prefix/name; star keeps a shorter prefix and ends with "tar\0".
            var prefixLength = h.Slice(508, 4).SequenceEqual("tar\0"u8) ? 131 : 155;
            var prefix = Field(h.Slice(345, prefixLength));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        var link = longLink ?? Field(h.Slice(157, 100));
        name = longName ?? name;
        var uid = Number(h.Slice(108, 8), "uid", blockOffset);
        var gid = Number(h.Slice(116, 8), "gid", blockOffset);
        var mtime = Number(h.Slice(136, 12), "mtime", blockOffset);
        var mode = Number(h.Slice(100, 8), "mode", blockOffset);
        long major = 0, minor = 0;
        if (ustar || magic.StartsWith("ustar "u8))
        {
            major = Number(h.Slice(329, 8), "devmajor", blockOffset);
            minor = Number(h.Slice(337, 8), "devminor", blockOffset);
        }

        SortedDictionary<string, byte[]>? xattrs = null;
        if (pax is not null)
        {
            foreach (var (key, value) in pax)
            {
                switch (key)
                {
                    case "path" when value.Length > 0:
                        name = PaxText(value, key, blockOffset);
                        break;
                    case "linkpath" when value.Length > 0:
                        link = PaxText(value, key, blockOffset);
                        break;
                    case "size" when value.Length > 0:
                        size = PaxNumber(value, key, blockOffset);
                        break;
                    case "uid" when value.Length > 0:
                        uid = PaxNumber(value, key, blockOffset);
                        break;
                    case "gid" when value.Length > 0:
                        gid = PaxNumber(value, key, blockOffset);
                        break;
                    case "mtime" when value.Length > 0:
                        mtime = PaxSeconds(value, blockOffset);
                        break;
                    default:
                        if (key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
                        {
                            throw Sparse(name);
                        }

                        if (key.StartsWith(XattrPrefix, StringComparison.Ordinal) && key.Length > XattrPrefix.Length)
                        {
                            (xattrs ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal))[key[XattrPrefix.Length..]] = value;
                        }

                        break;
                }
            }
        }

        if (type == '\0')
        {
            // A V7 header: directories are the names that end in '/'.
            type = name.EndsWith('/') ? '5' : '0';
        }

        if (size < 0 || uid is < 0 or > int.MaxValue || gid is < 0 or > int.MaxValue || major is < 0 or > int.MaxValue || minor is < 0 or > int.MaxValue)
        {
            throw new InvalidDataException($"the header of '{name}' at byte {blockOffset} has a size, id or device number out of range.");
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes || Encoding.UTF8.GetByteCount(link) > MaxNameBytes)
        {
            throw new LayerToolsException("TarNameTooLong", ErrorKind.LimitsExceeded, $"'{_source}': the entry at byte {blockOffset} has a name or link name over {MaxNameBytes} bytes (after {Location}).", _source);
        }

        // As Go's archive/tar (and so Docker) reads them, links, devices, directories and FIFOs have no data.
        if (type is '1' or '2' or '3' or '4' or '5' or '6')
        {
            size = 0;
        }

        _remaining = size;
        _padding = Padded(size) - size;
        LastName = name;
        return new TarEntryHeader
        {
            Name = name,
            TypeFlag = type,
            Mode = (int)(mode & 0xFFFF),
            Uid = (int)uid,
            Gid = (int)gid,
            Size = size,
            ModifiedTime = mtime,
            LinkName = link,
            DevMajor = (int)major,
            DevMinor = (int)minor,
            Xattrs = xattrs,
            HeaderOffset = headerOffset,
            DataOffset = _position,
            Data = new TarEntryData(this, _generation),
        };
    }

    private LayerToolsException Sparse(string name) =>
        new("SparseTarEntry", ErrorKind.InvalidData, $"'{_source}': entry '{name}' is a GNU sparse file, which a layer cannot hold; write the archive without --sparse.", name);

    private static long Padded(long size) => (size + Block - 1) / Block * Block;

    /// <summary>Reads one header block; false at a clean end (no byte left).</summary>
    private bool ReadBlock(bool insideHeaders)
    {
        var n = ReadAtMost(_block);
        if (n == 0 && !insideHeaders)
        {
            return false;
        }

        if (n < Block)
        {
            throw new InvalidDataException($"the tar is truncated: it ends inside a header at byte {_position}.");
        }

        return true;
    }

    private int ReadAtMost(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = _stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        _position += total;
        return total;
    }

    private byte[] ReadExtension(int size, long blockOffset)
    {
        var data = new byte[size];
        if (ReadAtMost(data) < size)
        {
            throw new InvalidDataException($"the tar is truncated: it ends inside the extended header at byte {blockOffset}.");
        }

        Skip(Padded(size) - size);
        return data;
    }

    private void Skip(long count)
    {
        if (count == 0)
        {
            return;
        }

        if (_stream.CanSeek)
        {
            var target = _stream.Position + count;
            if (target > _stream.Length)
            {
                throw new InvalidDataException($"the tar is truncated: an entry's data goes past its end ({_stream.Length - _stream.Position} of {count} bytes left at byte {_position}).");
            }

            _stream.Position = target;
            _position += count;
            return;
        }

        Span<byte> scratch = stackalloc byte[Block * 16];
        while (count > 0)
        {
            var n = ReadAtMost(scratch[..(int)Math.Min(count, scratch.Length)]);
            if (n == 0)
            {
                throw new InvalidDataException($"the tar is truncated: it ends inside an entry's data at byte {_position}.");
            }

            count -= n;
        }
    }

    private void VerifyChecksum(long blockOffset)
    {
        var stored = Number(_block.AsSpan(148, 8), "checksum", blockOffset);
        long unsigned = 0, signed = 0;
        for (var i = 0; i < Block; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : _block[i];
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
    private static long Number(ReadOnlySpan<byte> field, string what, long blockOffset)
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

    /// <summary>PAX records "LEN key=value\n", each taken by its declared length: a value may hold any byte.</summary>
    private static void ParsePax(byte[] data, Dictionary<string, byte[]> records, long blockOffset)
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

    private static string PaxText(byte[] value, string key, long blockOffset)
    {
        if (Array.IndexOf(value, (byte)0) >= 0)
        {
            throw new InvalidDataException($"the PAX {key} record at byte {blockOffset} holds a NUL byte.");
        }

        return Encoding.UTF8.GetString(value);
    }

    private static long PaxNumber(byte[] value, string key, long blockOffset)
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
    private static long PaxSeconds(byte[] value, long blockOffset)
    {
        var span = value.AsSpan();
        var negative = span.Length > 0 && span[0] == (byte)'-';
        if (negative)
        {
            span = span[1..];
        }

        var dot = span.IndexOf((byte)'.');
        var whole = PaxNumber((dot < 0 ? span : span[..dot]).ToArray(), "mtime", blockOffset);
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

    private static string Field(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Reads the current entry's data for <see cref="TarEntryData"/>.</summary>
    internal int ReadData(Span<byte> buffer, int generation)
    {
        if (generation != _generation)
        {
            throw new InvalidOperationException("The tar has moved on to another entry.");
        }

        var want = (int)Math.Min(buffer.Length, _remaining);
        if (want == 0)
        {
            return 0;
        }

        var n = _stream.Read(buffer[..want]);
        if (n == 0)
        {
            throw new InvalidDataException($"the tar is truncated: it ends inside an entry's data at byte {_position}.");
        }

        _position += n;
        _remaining -= n;
        return n;
    }
}
