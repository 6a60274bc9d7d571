using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Files;

/// <summary>
/// A folder on the host as a file tree, walked without following symbolic links (a link is an item,
/// by its target text). Metadata comes from lstat (<see cref="HostFileStatus"/>); files carry no
/// digest in their records: <see cref="Digest"/> hashes a file, streaming it once. Sockets are
/// left out: no layer can hold one.
/// </summary>
internal sealed class HostFolderTree : IFileTree
{
    private static readonly EnumerationOptions Options = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        ReturnSpecialDirectories = false,
    };

    public HostFolderTree(string path)
    {
        Root = Path.GetFullPath(path);
        if (!Directory.Exists(Root))
        {
            throw new LayerToolsException("DirectoryNotFound", ErrorKind.ObjectNotFound, $"The directory '{path}' does not exist. Give a folder to compare with.", path);
        }
    }

    public string Root { get; }

    public string Label => Root;

    public LayerFile? Item(string path)
    {
        var full = HostPath(path);
        FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
        return info.Exists || info.LinkTarget is not null ? ToLayerFile(path, info) : null;
    }

    public bool IsDirectory(string path) => Item(path)?.Type == EntryType.Directory;

    public IReadOnlyList<LayerFile> Children(string path)
    {
        var dir = new DirectoryInfo(HostPath(path));
        List<FileSystemInfo> children;
        try
        {
            children = dir.EnumerateFileSystemInfos("*", Options).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LayerToolsException("HostDirectoryUnreadable", ErrorKind.ReadError, $"Cannot list '{dir.FullName}': {ex.Message}", dir.FullName, ex);
        }

        return children
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => ToLayerFile(TarPath.Join(path, c.Name), c))
            .OfType<LayerFile>()
            .ToList();
    }

    /// <summary>Links are not followed on the host: a path is itself.</summary>
    public string Resolve(string path, bool followLast) => path;

    public Stream OpenRead(string path)
    {
        var full = HostPath(path);
        try
        {
            return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read '{full}' to compare its content: {ex.Message}", full, ex);
        }
    }

    /// <summary>Hashes the file (lstat says what it is: a link or a folder has no digest).</summary>
    public string? Digest(string path) => Item(path)?.Type == EntryType.File ? FileTrees.Hash(this, path) : null;

    /// <summary>The host path of a tree path ("etc/hosts" or "/etc/hosts"; a '..' above the root is refused).</summary>
    private string HostPath(string path)
    {
        var clean = TarPath.Normalize(path);
        return clean.Length == 0 ? Root : Path.Combine(Root, clean.Replace('/', Path.DirectorySeparatorChar));
    }

    private static LayerFile? ToLayerFile(string path, FileSystemInfo info)
    {
        var status = HostFileStatus.Of(info);
        if (status.IsSocket)
        {
            return null;
        }

        return new LayerFile
        {
            Path = "/" + path,
            Type = status.Type,
            Size = status.Type == EntryType.File ? status.Size : 0,
            Mode = status.Mode,
            Uid = status.Uid,
            Gid = status.Gid,
            ModifiedTime = info.LastWriteTimeUtc,
            LinkTarget = status.Type == EntryType.SymbolicLink ? info.LinkTarget : null,
            Device = status.Type is EntryType.CharDevice or EntryType.BlockDevice ? (status.DevMajor, status.DevMinor) : default,
        };
    }
}
