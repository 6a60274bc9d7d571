using System.Formats.Tar;
using System.Text;

namespace LayerTools.Core.Layers;

/// <summary>
/// Writes reproducible layer tars: USTAR headers, PAX records only where a field needs them (long or
/// non-ASCII names, long link targets, sizes from 8 GiB, large ids, xattrs), numeric ids with empty
/// user and group names, whole-second mtimes clamped to SOURCE_DATE_EPOCH when one is given, no
/// atime or ctime. The caller adds entries in order: parents before children, whiteouts before their
/// siblings, a hard link after its target.
/// </summary>
internal sealed class LayerTarWriter : IDisposable
{
    private const long MaxOctal7 = 0x1FFFFF; // 7 octal digits: uid, gid, mode
    private const long MaxOctal11 = 0x1FFFFFFFF; // 11 octal digits: size, mtime
    private readonly TarWriter _writer;
    private readonly long? _sourceDateEpoch;

    public LayerTarWriter(Stream output, long? sourceDateEpoch = null, bool leaveOpen = true)
    {
        _writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen);
        _sourceDateEpoch = sourceDateEpoch;
    }

    public int EntryCount { get; private set; }

    public void AddDirectory(string path, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.Directory, path.Length == 0 ? "./" : path + "/", mode, uid, gid, mtime, xattrs);

    public void AddFile(string path, int mode, int uid, int gid, long mtime, Stream content, long size, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.RegularFile, path, mode, uid, gid, mtime, xattrs, content: content, size: size);

    public void AddSymlink(string path, string target, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.SymbolicLink, path, 0x1FF, uid, gid, mtime, xattrs, linkName: target);

    public void AddHardLink(string path, string target, int mode, int uid, int gid, long mtime) =>
        Write(TarEntryType.HardLink, path, mode, uid, gid, mtime, null, linkName: target);

    public void AddDevice(string path, EntryType type, int mode, int uid, int gid, long mtime, int major = 0, int minor = 0)
    {
        var tarType = type switch
        {
            EntryType.CharDevice => TarEntryType.CharacterDevice,
            EntryType.BlockDevice => TarEntryType.BlockDevice,
            EntryType.Fifo => TarEntryType.Fifo,
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        Write(tarType, path, mode, uid, gid, mtime, null, major: major, minor: minor);
    }

    /// <summary>An empty <c>.wh.&lt;name&gt;</c> file: <paramref name="path"/> is deleted from lower layers.</summary>
    public void AddWhiteout(string path, long mtime = 0) => AddFile(Whiteout.For(path), 0, 0, 0, mtime, Stream.Null, 0);

    /// <summary>A <c>.wh..wh..opq</c> file: every lower child of <paramref name="directory"/> is hidden.</summary>
    public void AddOpaque(string directory, long mtime = 0) => AddFile(Whiteout.OpaqueFor(directory), 0, 0, 0, mtime, Stream.Null, 0);

    private void Write(TarEntryType type, string name, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs, Stream? content = null, long size = 0, string? linkName = null, int major = 0, int minor = 0)
    {
        if (_sourceDateEpoch is { } epoch && mtime > epoch)
        {
            mtime = epoch;
        }

        mtime = Math.Max(0, mtime);
        var pax = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!FitsUstarName(name))
        {
            pax["path"] = name;
        }

        if (linkName is not null && (linkName.Length > 100 || !IsAscii(linkName)))
        {
            pax["linkpath"] = linkName;
        }

        if (size > MaxOctal11)
        {
            pax["size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (uid > MaxOctal7 || uid < 0)
        {
            pax["uid"] = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (gid > MaxOctal7 || gid < 0)
        {
            pax["gid"] = gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (mtime > MaxOctal11)
        {
            pax["mtime"] = mtime.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (xattrs is not null)
        {
            foreach (var (key, value) in xattrs.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                pax["SCHILY.xattr." + key] = value;
            }
        }

        if (pax.Count > 0 && Environment.Version.Major < 10)
        {
            // Before .NET 10 a PAX entry gets atime and ctime of "now" unless given: pin them to the
            // mtime so that the bytes stay reproducible on PowerShell 7.4 and 7.5.
            var stamp = mtime.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pax["atime"] = stamp;
            pax["ctime"] = stamp;
        }

        PosixTarEntry entry = pax.Count == 0 ? new UstarTarEntry(type, name) : new PaxTarEntry(type, name, pax);
        entry.Mode = (UnixFileMode)(mode & 0xFFF);
        entry.Uid = uid;
        entry.Gid = gid;
        entry.UserName = string.Empty;
        entry.GroupName = string.Empty;
        entry.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(mtime);
        if (linkName is not null)
        {
            entry.LinkName = linkName;
        }

        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }

        if (content is not null && size > 0)
        {
            entry.DataStream = new LengthCheckedStream(content, size, name);
        }

        _writer.WriteEntry(entry);
        EntryCount++;
    }

    /// <summary>True when USTAR can hold the name: ASCII, at most 100 bytes, or split at a '/' into a 155-byte prefix and a 100-byte name.</summary>
    private static bool FitsUstarName(string name)
    {
        if (!IsAscii(name))
        {
            return false;
        }

        if (name.Length <= 100)
        {
            return true;
        }

        if (name.Length > 256)
        {
            return false;
        }

        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAscii(string s) => Encoding.UTF8.GetByteCount(s) == s.Length && !s.Any(char.IsControl);

    public void Dispose() => _writer.Dispose();
}
