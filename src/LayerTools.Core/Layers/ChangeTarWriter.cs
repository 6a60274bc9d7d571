using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Feeds change records (an overlay upper dir, a root file system diff) into a
/// <see cref="LayerTarWriter"/>: entries in tree order (parents before children, whiteouts before
/// their siblings), extended attributes as raw bytes, and hard links (same inode) written as links
/// to the first path that holds the inode. Headers, SOURCE_DATE_EPOCH and the entry index are the
/// layer writer's.
/// </summary>
internal static class ChangeTarWriter
{
    public static void Write(IEnumerable<HostChange> records, LayerTarWriter writer, CancellationToken cancellationToken = default)
    {
        var sorted = records.ToList();
        sorted.Sort((a, b) => HostChange.CompareTarNames(a.TarName, b.TarName));
        var firstByInode = new Dictionary<ulong, string>();
        foreach (var record in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stat = record.Stat;
            var type = record.Type;
            if (type is not (EntryType.Whiteout or EntryType.OpaqueWhiteout))
            {
                Whiteout.RefuseRealFile(record.Path, "The command's changes");
            }

            var link = record.LinkTarget ?? string.Empty;
            if (type == EntryType.File && stat.Nlink > 1)
            {
                if (firstByInode.TryGetValue(stat.Inode, out var first))
                {
                    type = EntryType.HardLink;
                    link = first;
                }
                else
                {
                    firstByInode[stat.Inode] = record.Path;
                }
            }

            switch (type)
            {
                case EntryType.Whiteout:
                    writer.AddWhiteout(record.Path, stat.MtimeSeconds);
                    break;
                case EntryType.OpaqueWhiteout:
                    writer.AddOpaque(record.Path, stat.MtimeSeconds);
                    break;
                case EntryType.Directory:
                    writer.AddDirectory(record.Path, stat.Permissions, stat.Uid, stat.Gid, stat.MtimeSeconds, record.Xattrs);
                    break;
                case EntryType.SymbolicLink:
                    writer.AddSymlink(record.Path, link, stat.Uid, stat.Gid, stat.MtimeSeconds, record.Xattrs);
                    break;
                case EntryType.HardLink:
                    writer.AddHardLink(record.Path, link, stat.Permissions, stat.Uid, stat.Gid, stat.MtimeSeconds, record.Xattrs);
                    break;
                case EntryType.File:
                    using (var data = stat.Size > 0 && record.HostPath is not null ? HostTree.OpenRead(record.HostPath) : Stream.Null)
                    {
                        writer.AddFile(record.Path, stat.Permissions, stat.Uid, stat.Gid, stat.MtimeSeconds, data, stat.Size, record.Xattrs);
                    }

                    break;
                default:
                    writer.AddDevice(record.Path, type, stat.Permissions, stat.Uid, stat.Gid, stat.MtimeSeconds, stat.RdevMajor, stat.RdevMinor, record.Xattrs);
                    break;
            }
        }
    }
}
