using System.Formats.Tar;
using System.Text;
using LayerTools.Core.Digests;

namespace LayerTools.Core.Layers;

/// <summary>
/// Writes reproducible layer tars: USTAR headers, PAX records only where a field needs them (long or
/// non-ASCII names, long link targets, sizes from 8 GiB, large ids, xattrs), numeric ids with empty
/// user and group names, whole-second mtimes clamped to SOURCE_DATE_EPOCH when one is given, no
/// atime or ctime. The caller adds entries in order: parents before children, whiteouts before their
/// siblings, a hard link after its target.
/// It builds the layer's entry index as it writes (data offsets, content digests hashed on the way
/// through), so a layer made here is read once and never parsed back.
/// </summary>
internal sealed class LayerTarWriter : IDisposable
{
    private const long MaxOctal7 = 0x1FFFFF; // 7 octal digits: uid, gid, mode
    private const long MaxOctal11 = 0x1FFFFFFFF; // 11 octal digits: size, mtime
    private readonly HashingWriteStream _output;
    private readonly TarWriter _writer;
    private readonly long? _sourceDateEpoch;
    private readonly LayerIndex _index = new();
    private readonly Dictionary<string, LayerEntry> _byPath = new(StringComparer.Ordinal);
    private bool _finished;

    public LayerTarWriter(Stream output, long? sourceDateEpoch = null, bool leaveOpen = true)
    {
        _output = new HashingWriteStream(output, leaveOpen);
        _writer = new TarWriter(_output, TarEntryFormat.Pax, leaveOpen: true);
        _sourceDateEpoch = sourceDateEpoch;
    }

    public int EntryCount { get; private set; }

    /// <summary>The index record of the entry written last (with its content digest).</summary>
    public LayerEntry? LastEntry => _index.Entries.Count == 0 ? null : _index.Entries[^1];

    /// <summary>Ends the tar and returns its entry index, DiffID and size.</summary>
    public LayerIndex Finish()
    {
        if (!_finished)
        {
            _writer.Dispose();
            _output.Flush();
            _index.DiffId = _output.Digest;
            _index.Size = _output.BytesWritten;
            _finished = true;
        }

        return _index;
    }

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

        using var data = content is not null && size > 0 ? new TarDataStream(content, size, name) : null;
        if (data is not null)
        {
            entry.DataStream = data;
        }

        _writer.WriteEntry(entry);
        EntryCount++;
        Record(type, name, mode, uid, gid, mtime, linkName, size, major, minor, type == TarEntryType.RegularFile ? (data?.Digest() ?? Digest.Of(ReadOnlySpan<byte>.Empty)) : null);
    }

    private void Record(TarEntryType type, string name, int mode, int uid, int gid, long mtime, string? linkName, long size, int major, int minor, string? digest)
    {
        var path = TarPath.Normalize(name);
        var entry = new LayerEntry
        {
            Path = path,
            Mode = mode & 0xFFF,
            Uid = uid,
            Gid = gid,
            ModifiedTime = mtime,
            Size = type == TarEntryType.RegularFile ? size : 0,
            Offset = _output.BytesWritten - ((size + 511) / 512 * 512),
            Digest = digest,
            DevMajor = major,
            DevMinor = minor,
            Type = type switch
            {
                TarEntryType.Directory => EntryType.Directory,
                TarEntryType.SymbolicLink => EntryType.SymbolicLink,
                TarEntryType.HardLink => EntryType.HardLink,
                TarEntryType.CharacterDevice => EntryType.CharDevice,
                TarEntryType.BlockDevice => EntryType.BlockDevice,
                TarEntryType.Fifo => EntryType.Fifo,
                _ => EntryType.File,
            },
        };

        var baseName = TarPath.Name(path);
        if (baseName == Whiteout.Opaque)
        {
            entry = new LayerEntry { Path = TarPath.Parent(path), Type = EntryType.OpaqueWhiteout, Offset = entry.Offset };
        }
        else if (baseName.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
        {
            entry = new LayerEntry { Path = TarPath.Join(TarPath.Parent(path), baseName[Whiteout.Prefix.Length..]), Type = EntryType.Whiteout, Offset = entry.Offset };
        }
        else if (entry.Type == EntryType.SymbolicLink)
        {
            entry.LinkTarget = linkName;
        }
        else if (entry.Type == EntryType.HardLink)
        {
            entry.LinkTarget = TarPath.Normalize(linkName!);
            if (_byPath.TryGetValue(entry.LinkTarget, out var target))
            {
                entry.Size = target.Size;
                entry.Digest = target.Digest;
            }
        }

        if (!entry.IsWhiteout)
        {
            _byPath[entry.Path] = entry;
        }

        _index.Entries.Add(entry);
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

    public void Dispose()
    {
        Finish();
        _output.Dispose();
    }
}
