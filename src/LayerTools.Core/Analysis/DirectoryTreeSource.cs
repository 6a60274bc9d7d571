using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// A directory on the host, walked without following symbolic links (a link is compared as a link, by
/// its target text). Metadata comes from lstat; a file's content digest is computed only when a
/// comparison needs it (same path, type and size on the other side), streaming the file once.
/// Sockets are skipped: no layer can hold one.
/// </summary>
internal sealed class DirectoryTreeSource : IFileTreeSource
{
    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    public DirectoryTreeSource(string path)
    {
        Root = Path.GetFullPath(path);
        if (!Directory.Exists(Root))
        {
            throw new LayerToolsException("DirectoryNotFound", ErrorKind.ObjectNotFound, $"The directory '{path}' does not exist. Give a folder to compare with.", path);
        }

        Name = Root;
    }

    public string Root { get; }

    public string Name { get; }

    public IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default)
    {
        var pending = new Stack<(DirectoryInfo Dir, string Relative)>();
        pending.Push((new DirectoryInfo(Root), string.Empty));
        while (pending.Count > 0)
        {
            var (dir, relative) = pending.Pop();
            IEnumerable<FileSystemInfo> children;
            try
            {
                children = dir.EnumerateFileSystemInfos("*", Options).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new LayerToolsException("HostDirectoryUnreadable", ErrorKind.ReadError, $"Cannot list '{dir.FullName}': {ex.Message}", dir.FullName, ex);
            }

            foreach (var info in children)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = TarPath.Join(relative, info.Name);
                var status = HostFileStatus.Of(info);
                if (status.IsSocket)
                {
                    continue;
                }

                switch (status.Type)
                {
                    case EntryType.Directory:
                        pending.Push(((DirectoryInfo)info, path));
                        yield return new FileTreeEntry(path, EntryType.Directory, status.Mode, status.Uid, status.Gid, 0, null, digest: null);
                        break;
                    case EntryType.SymbolicLink:
                        yield return new FileTreeEntry(path, EntryType.SymbolicLink, status.Mode, status.Uid, status.Gid, 0, info.LinkTarget, digest: null);
                        break;
                    case EntryType.File:
                        var full = info.FullName;
                        yield return new FileTreeEntry(path, EntryType.File, status.Mode, status.Uid, status.Gid, status.Size, null, () => Hash(full));
                        break;
                    default:
                        yield return new FileTreeEntry(path, status.Type, status.Mode, status.Uid, status.Gid, 0, null, digest: null) { Device = (status.DevMajor, status.DevMinor) };
                        break;
                }
            }
        }
    }

    private static string Hash(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            return Digest.Of(fs);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read '{path}' to compare its content: {ex.Message}", path, ex);
        }
    }

    public override string ToString() => Name;
}
