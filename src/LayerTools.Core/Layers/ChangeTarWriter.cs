namespace LayerTools.Core.Layers;

/// <summary>
/// Writes change records as a reproducible OCI layer tar: entries in tree order (parents before
/// children, whiteouts before their siblings), numeric ids with empty user and group names,
/// whole-second mtimes clamped to SOURCE_DATE_EPOCH when one is given, no atime or ctime, USTAR
/// headers unless a field needs PAX (<see cref="TarHeaderWriter"/>), extended attributes carried
/// as raw bytes, and hard links (same inode) written as links to the first path that holds the inode.
/// </summary>
internal static class ChangeTarWriter
{
    public static void Write(IEnumerable<ChangeRecord> records, Stream output, long? sourceDateEpoch, CancellationToken cancellationToken = default)
    {
        var sorted = records.ToList();
        sorted.Sort((a, b) => ChangeRecord.CompareTarNames(a.TarName, b.TarName));
        var firstByInode = new Dictionary<ulong, string>();
        var buffer = new byte[81920];
        foreach (var record in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var type = record.Type;
            var link = record.LinkTarget;
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
                EntryType.Directory => TarHeaderWriter.TypeDirectory,
                EntryType.SymbolicLink => TarHeaderWriter.TypeSymlink,
                EntryType.HardLink => TarHeaderWriter.TypeHardLink,
                EntryType.CharDevice => TarHeaderWriter.TypeChar,
                EntryType.BlockDevice => TarHeaderWriter.TypeBlock,
                EntryType.Fifo => TarHeaderWriter.TypeFifo,
                _ => TarHeaderWriter.TypeFile,
            };
            var mtime = record.Stat.MtimeSeconds;
            if (sourceDateEpoch is { } epoch && mtime > epoch)
            {
                mtime = epoch;
            }

            var size = type == EntryType.File ? record.Stat.Size : 0;
            TarHeaderWriter.WriteHeader(
                output,
                record.TarName,
                tarType,
                isWhiteout ? 0 : record.Stat.Permissions,
                isWhiteout ? 0 : record.Stat.Uid,
                isWhiteout ? 0 : record.Stat.Gid,
                size,
                Math.Max(0, mtime),
                tarType is TarHeaderWriter.TypeSymlink or TarHeaderWriter.TypeHardLink ? link ?? string.Empty : null,
                record.Stat.RdevMajor,
                record.Stat.RdevMinor,
                isWhiteout ? null : record.Xattrs);
            if (size > 0 && record.HostPath is not null)
            {
                using var data = HostTree.OpenRead(record.HostPath);
                CopyExactly(data, output, size, buffer);
                TarHeaderWriter.WritePadding(output, size);
            }
        }

        // Also for an empty layer: Docker's empty layer is just these two zero blocks (DiffID sha256:5f70bf18…).
        TarHeaderWriter.WriteEnd(output);
    }

    /// <summary>Exactly <paramref name="size"/> bytes, as the header said: a file that grew is cut, one that shrank is padded with zeros.</summary>
    private static void CopyExactly(Stream input, Stream output, long size, byte[] buffer)
    {
        var left = size;
        while (left > 0)
        {
            var n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                Array.Clear(buffer);
                while (left > 0)
                {
                    var z = (int)Math.Min(buffer.Length, left);
                    output.Write(buffer, 0, z);
                    left -= z;
                }

                return;
            }

            output.Write(buffer, 0, n);
            left -= n;
        }
    }
}
