using System.Formats.Tar;
using System.Text;

namespace LayerTools.Core.Layers;

/// <summary>
/// Writes change records as a reproducible OCI layer tar: entries in tree order (parents before
/// children, whiteouts before their siblings), numeric ids with empty user and group names,
/// whole-second mtimes clamped to SOURCE_DATE_EPOCH when one is given, no atime or ctime, USTAR
/// headers unless a field needs PAX (long names, large ids or sizes, non-ASCII, xattrs), and hard
/// links (same inode) written as links to the first path that holds the inode.
/// </summary>
internal static class LayerTarWriter
{
    private const long MaxUstarId = 0x1FFFFF;
    private const long MaxUstarSize = 0x1FFFFFFFFL;
    private const long MaxUstarTime = 0x1FFFFFFFFL;

    public static void Write(IEnumerable<ChangeRecord> records, Stream output, long? sourceDateEpoch, CancellationToken cancellationToken = default)
    {
        var sorted = records.ToList();
        sorted.Sort((a, b) => ChangeRecord.CompareTarNames(a.TarName, b.TarName));
        if (sorted.Count == 0)
        {
            // TarWriter writes nothing for an empty archive; a layer is a tar, and Docker's empty
            // layer is the two zero blocks that end one (DiffID sha256:5f70bf18…).
            output.Write(new byte[1024]);
            return;
        }

        var firstByInode = new Dictionary<ulong, string>();
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var record in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var type = record.Type;
            string? link = record.LinkTarget;
            if (type == EntryType.File && record.Stat.Nlink > 1)
            {
                if (firstByInode.TryGetValue(record.Stat.Inode, out var first))
                {
                    type = EntryType.HardLink;
                    link = first;
                }
                else
                {
                    firstByInode[record.Stat.Inode] = record.Path;
                }
            }

            var isWhiteout = type is EntryType.Whiteout or EntryType.OpaqueWhiteout;
            var tarType = type switch
            {
                EntryType.Directory => TarEntryType.Directory,
                EntryType.SymbolicLink => TarEntryType.SymbolicLink,
                EntryType.HardLink => TarEntryType.HardLink,
                EntryType.CharDevice => TarEntryType.CharacterDevice,
                EntryType.BlockDevice => TarEntryType.BlockDevice,
                EntryType.Fifo => TarEntryType.Fifo,
                _ => TarEntryType.RegularFile,
            };
            var name = record.TarName;
            var mode = isWhiteout ? 0 : record.Stat.Permissions;
            var uid = isWhiteout ? 0 : record.Stat.Uid;
            var gid = isWhiteout ? 0 : record.Stat.Gid;
            var mtime = record.Stat.MtimeSeconds;
            if (sourceDateEpoch is { } epoch && mtime > epoch)
            {
                mtime = epoch;
            }

            mtime = Math.Max(0, mtime);
            var size = tarType == TarEntryType.RegularFile && !isWhiteout ? record.Stat.Size : 0;
            var xattrs = isWhiteout ? null : record.Xattrs;
            var needsPax = !IsAscii(name) || (link is not null && (!IsAscii(link) || Encoding.UTF8.GetByteCount(link) > 100))
                || !FitsUstarName(name) || uid > MaxUstarId || gid > MaxUstarId || size > MaxUstarSize || mtime > MaxUstarTime
                || xattrs is { Count: > 0 };

            PosixTarEntry entry;
            if (needsPax)
            {
                var attributes = new List<KeyValuePair<string, string>>();
                if (xattrs is not null)
                {
                    foreach (var (k, v) in xattrs)
                    {
                        attributes.Add(new("SCHILY.xattr." + k, v));
                    }
                }

                entry = new PaxTarEntry(tarType, name, attributes);
            }
            else
            {
                entry = new UstarTarEntry(tarType, name);
            }

            entry.Mode = (UnixFileMode)mode;
            entry.Uid = uid;
            entry.Gid = gid;
            entry.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(mtime);
            entry.UserName = string.Empty;
            entry.GroupName = string.Empty;
            if (link is not null && tarType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                entry.LinkName = link;
            }

            if (tarType is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
            {
                entry.DeviceMajor = record.Stat.RdevMajor;
                entry.DeviceMinor = record.Stat.RdevMinor;
            }

            if (tarType == TarEntryType.RegularFile && !isWhiteout && record.HostPath is not null)
            {
                using var data = HostTree.OpenRead(record.HostPath);
                entry.DataStream = new BoundedReadStream(data, size);
                writer.WriteEntry(entry);
            }
            else
            {
                writer.WriteEntry(entry);
            }
        }
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

    private static bool FitsUstarName(string name)
    {
        if (name.Length <= 100)
        {
            return true;
        }

        if (name.Length > 256)
        {
            return false;
        }

        // USTAR splits at a slash: prefix up to 155 bytes, name up to 100.
        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return true;
            }
        }

        return false;
    }
}
