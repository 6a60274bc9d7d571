using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes a directory tree into a layer through <see cref="LayerTarWriter"/> (so the layer is written
/// once, indexed on the way, and never parsed back), deterministically: depth first with each
/// directory's names in ordinal order (so every parent comes before its children), whole-second
/// times (the writer clamps them to SOURCE_DATE_EPOCH when it is given one), owner 0:0 so the same
/// folder gives the same layer whoever imports it (use a tar to keep owners). Type, mode and device
/// numbers come from <see cref="HostFileStatus"/> (lstat: a symlink is stored, never followed).
/// Sockets are skipped, as Docker does; a name a layer reserves for whiteouts is refused.
/// </summary>
internal static class DirectoryTarWriter
{
    public static void Write(LayerTarWriter writer, string root, CancellationToken cancellationToken) =>
        WriteChildren(writer, Path.GetFullPath(root), string.Empty, cancellationToken);

    private static void WriteChildren(LayerTarWriter writer, string directory, string relative, CancellationToken cancellationToken)
    {
        var children = new DirectoryInfo(directory).EnumerateFileSystemInfos()
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var child in children)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = TarPath.Join(relative, child.Name);
            if (child.Name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
            {
                throw new LayerToolsException("WhiteoutNameInSource", ErrorKind.InvalidData, $"'{child.FullName}' has a name starting with '{Whiteout.Prefix}', which a layer reserves for deletions; rename it.", child.FullName);
            }

            var mtime = child.LastWriteTimeUtc.Ticks / TimeSpan.TicksPerSecond - DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerSecond;
            var status = HostFileStatus.Of(child);
            if (status.IsSocket)
            {
                continue;
            }

            switch (status.Type)
            {
                case EntryType.SymbolicLink:
                    writer.AddSymlink(path, child.LinkTarget!.Replace(Path.DirectorySeparatorChar, '/'), 0, 0, mtime);
                    break;
                case EntryType.Directory:
                    writer.AddDirectory(path, status.Mode, 0, 0, mtime);
                    WriteChildren(writer, child.FullName, path, cancellationToken);
                    break;
                case EntryType.CharDevice or EntryType.BlockDevice or EntryType.Fifo:
                    writer.AddDevice(path, status.Type, status.Mode, 0, 0, mtime, status.DevMajor, status.DevMinor);
                    break;
                default:
                    using (var data = new FileStream(child.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                    {
                        writer.AddFile(path, status.Mode, 0, 0, mtime, data, data.Length);
                    }

                    break;
            }
        }
    }
}
