using System.Buffers;
using System.Globalization;
using System.Text;
using LayerTools.Core.Layers;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes a tar stream deterministically: USTAR headers with numeric ids, empty user and group
/// names, whole-second times, and a PAX record only for a field USTAR cannot hold (long or non-ASCII
/// names and link names, sizes from 8 GiB, large ids, times before 1970). The same records and
/// data always give the same bytes, whatever the runtime.
/// </summary>
internal sealed class TarStreamWriter : IDisposable
{
    private const int Block = 512;
    private const long MaxOctal7 = 0x1FFFFF; // 7 octal digits
    private const long MaxOctal11 = 0x1FFFFFFFF; // 11 octal digits: 8 GiB - 1
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly byte[] _header = new byte[Block];
    private bool _finished;

    public TarStreamWriter(Stream output, bool leaveOpen = true)
    {
        _output = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes one entry; <paramref name="data"/> must yield exactly <see cref="TarRecord.Size"/> bytes for a regular file.</summary>
    public void Write(TarRecord record, Stream? data = null, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var name = record.Type == EntryType.Directory && record.Path.Length > 0 && !record.Path.EndsWith('/') ? record.Path + "/" : record.Path;
        var size = record.Type == EntryType.File ? record.Size : 0;
        var pax = new List<KeyValuePair<string, string>>();

        var (prefix, shortName) = SplitName(name);
        if (shortName is null)
        {
            pax.Add(new("path", name));
            prefix = string.Empty;
            shortName = AsciiTruncated(name, 100);
        }

        var link = record.LinkTarget ?? string.Empty;
        if (link.Length > 0 && (!IsAscii(link) || Encoding.UTF8.GetByteCount(link) > 100))
        {
            pax.Add(new("linkpath", link));
            link = AsciiTruncated(link, 100);
        }

        var sizeField = size;
        if (size > MaxOctal11)
        {
            pax.Add(new("size", size.ToString(CultureInfo.InvariantCulture)));
            sizeField = 0;
        }

        var uid = (long)record.Uid;
        if (uid < 0 || uid > MaxOctal7)
        {
            pax.Add(new("uid", uid.ToString(CultureInfo.InvariantCulture)));
            uid = 0;
        }

        var gid = (long)record.Gid;
        if (gid < 0 || gid > MaxOctal7)
        {
            pax.Add(new("gid", gid.ToString(CultureInfo.InvariantCulture)));
            gid = 0;
        }

        var mtime = record.ModifiedTime;
        if (mtime < 0 || mtime > MaxOctal11)
        {
            pax.Add(new("mtime", mtime.ToString(CultureInfo.InvariantCulture)));
            mtime = mtime < 0 ? 0 : MaxOctal11;
        }

        if (record.DevMajor < 0 || record.DevMajor > MaxOctal7 || record.DevMinor < 0 || record.DevMinor > MaxOctal7)
        {
            throw new LayerToolsException("DeviceNumberTooLarge", ErrorKind.InvalidData, $"Device '{record.Path}' has numbers {record.DevMajor}:{record.DevMinor}, which a tar header cannot hold.", record.Path);
        }

        if (pax.Count > 0)
        {
            var body = PaxBody(pax);
            var paxName = AsciiTruncated("PaxHeaders.0/" + TarPath.Name(name.TrimEnd('/')), 100);
            WriteHeader(string.Empty, paxName, (byte)'x', 0x1A4, 0, 0, body.Length, mtime, string.Empty, 0, 0);
            WriteBytes(body);
            Pad(body.Length);
        }

        WriteHeader(prefix!, shortName, TypeFlag(record.Type), record.Mode & 0xFFF, uid, gid, sizeField, mtime, link, record.DevMajor, record.DevMinor);
        if (size > 0)
        {
            if (data is null)
            {
                throw new ArgumentException($"Entry '{record.Path}' has {size} bytes but no data stream.", nameof(data));
            }

            CopyExactly(data, size, record.Path, progress, cancellationToken);
            Pad(size);
        }
    }

    /// <summary>Writes the two zero blocks that end an archive.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        WriteBytes(new byte[Block * 2]);
    }

    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _output.Dispose();
        }
    }

    private void CopyExactly(Stream data, long size, string path, Action<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            var left = size;
            while (left > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0)
                {
                    throw new LayerToolsException("ContentChanged", ErrorKind.ReadError, $"'{path}' ended after {size - left} of its {size} bytes; it changed while it was being written.", path);
                }

                WriteBytes(buffer.AsSpan(0, n));
                left -= n;
                progress?.Invoke(size - left);
            }

            if (data.Read(buffer, 0, 1) != 0)
            {
                throw new LayerToolsException("ContentChanged", ErrorKind.ReadError, $"'{path}' holds more than the {size} bytes it had; it changed while it was being written.", path);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteHeader(string prefix, string name, byte type, long mode, long uid, long gid, long size, long mtime, string link, long devMajor, long devMinor)
    {
        var h = _header.AsSpan();
        h.Clear();
        WriteString(h[..100], name);
        WriteOctal(h.Slice(100, 8), mode);
        WriteOctal(h.Slice(108, 8), uid);
        WriteOctal(h.Slice(116, 8), gid);
        WriteOctal(h.Slice(124, 12), size);
        WriteOctal(h.Slice(136, 12), mtime);
        h[156] = type;
        WriteString(h.Slice(157, 100), link);
        "ustar\0"u8.CopyTo(h.Slice(257, 6));
        "00"u8.CopyTo(h.Slice(263, 2));
        WriteOctal(h.Slice(329, 8), devMajor);
        WriteOctal(h.Slice(337, 8), devMinor);
        WriteString(h.Slice(345, 155), prefix);

        h.Slice(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h)
        {
            sum += b;
        }

        WriteOctal(h.Slice(148, 7), sum);
        h[155] = (byte)' ';
        WriteBytes(h);
    }

    private static byte TypeFlag(EntryType type) => type switch
    {
        EntryType.File => (byte)'0',
        EntryType.HardLink => (byte)'1',
        EntryType.SymbolicLink => (byte)'2',
        EntryType.CharDevice => (byte)'3',
        EntryType.BlockDevice => (byte)'4',
        EntryType.Directory => (byte)'5',
        EntryType.Fifo => (byte)'6',
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "A whiteout is written as the empty file its name describes."),
    };

    /// <summary>The USTAR prefix and name for <paramref name="name"/>, or a null name when only PAX can hold it.</summary>
    private static (string? Prefix, string? Name) SplitName(string name)
    {
        if (!IsAscii(name))
        {
            return (null, null);
        }

        if (name.Length <= 100)
        {
            return (string.Empty, name);
        }

        // Split at a '/' so that the prefix fits 155 bytes and the rest 100 (a directory keeps its trailing '/').
        var searchEnd = name.EndsWith('/') ? name.Length - 2 : name.Length - 1;
        for (var i = Math.Min(155, searchEnd); i > 0; i--)
        {
            if (name[i] == '/' && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return (name[..i], name[(i + 1)..]);
            }
        }

        return (null, null);
    }

    private static byte[] PaxBody(List<KeyValuePair<string, string>> records)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in records)
        {
            var rest = " " + key + "=" + value + "\n";
            var restBytes = Encoding.UTF8.GetByteCount(rest);
            var length = restBytes + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + restBytes != length)
            {
                length = length.ToString(CultureInfo.InvariantCulture).Length + restBytes;
            }

            sb.Append(length.ToString(CultureInfo.InvariantCulture)).Append(rest);
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static bool IsAscii(string s)
    {
        foreach (var c in s)
        {
            if (c == 0 || c > 0x7E)
            {
                return false;
            }
        }

        return true;
    }

    private static string AsciiTruncated(string s, int max)
    {
        var sb = new StringBuilder(Math.Min(s.Length, max));
        foreach (var c in s)
        {
            if (sb.Length == max)
            {
                break;
            }

            sb.Append(c is > (char)0 and <= (char)0x7E ? c : '_');
        }

        return sb.ToString();
    }

    private static void WriteString(Span<byte> field, string value)
    {
        var n = Encoding.ASCII.GetBytes(value, field);
        field[n..].Clear();
    }

    private static void WriteOctal(Span<byte> field, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(field.Length - 1, '0');
        if (text.Length > field.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The value does not fit its tar header field.");
        }

        Encoding.ASCII.GetBytes(text, field);
        field[^1] = 0;
    }

    private void Pad(long written)
    {
        var rem = (int)(written % Block);
        if (rem != 0)
        {
            WriteBytes(new byte[Block - rem]);
        }
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        BytesWritten += bytes.Length;
    }
}
