using static LayerTools.Core.HostFs.LinuxNative;
using LayerTools.Core.Tar;

namespace LayerTools.Core.HostFs;

/// <summary>
/// Walks a host folder LayerTools owns (an overlay upper dir, a copied root file system) through
/// directory descriptors, never following a symbolic link, and reads extended attributes.
/// </summary>
internal static class HostTree
{
    /// <summary>Calls <paramref name="visit"/> for every path under <paramref name="directory"/> (parents first); return false to skip a directory's children.</summary>
    public static void Walk(string directory, Func<string, FileStat, string, bool> visit)
    {
        var fd = Openat(AtFdCwd, directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new LayerToolsException("ReadFailed", ErrorKind.ReadError, $"Cannot open '{directory}': {Describe(-fd)}.", directory);
        }

        try
        {
            WalkAt(fd, string.Empty, directory.TrimEnd('/'), visit);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Extended attributes of a path, no link followed; values as text (binary values are kept as Latin-1).</summary>
    public static SortedDictionary<string, byte[]> Xattrs(string hostPath)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in Llistxattr(hostPath))
        {
            if (Lgetxattr(hostPath, name) is { } value)
            {
                result[name] = value;
            }
        }

        return result;
    }

    /// <summary>Opens a regular file for reading without following a final link.</summary>
    public static FileStream OpenRead(string hostPath)
    {
        var fd = Openat(AtFdCwd, hostPath, ORdOnly | ONoFollow);
        if (fd < 0)
        {
            throw new LayerToolsException("ReadFailed", ErrorKind.ReadError, $"Cannot read '{hostPath}': {Describe(-fd)}.", hostPath);
        }

        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 81920);
    }

    private static void WalkAt(int dirfd, string relative, string hostPath, Func<string, FileStat, string, bool> visit)
    {
        foreach (var name in SafeRoot.ListNames(dirfd))
        {
            var stat = Stat(dirfd, name, AtSymlinkNoFollow, out var errno);
            if (stat is null)
            {
                if (errno == ENoEnt)
                {
                    continue;
                }

                throw new LayerToolsException("ReadFailed", ErrorKind.ReadError, $"Cannot inspect '{hostPath}/{name}': {Describe(errno)}.", name);
            }

            var rel = TarPath.Join(relative, name);
            var host = hostPath + "/" + name;
            if (!visit(rel, stat, host) || !stat.IsDirectory)
            {
                continue;
            }

            var child = Openat(dirfd, name, ORdOnly | ODirectory | ONoFollow);
            if (child < 0)
            {
                throw new LayerToolsException("ReadFailed", ErrorKind.ReadError, $"Cannot open '{host}': {Describe(-child)}.", host);
            }

            try
            {
                WalkAt(child, rel, host, visit);
            }
            finally
            {
                Close(child);
            }
        }
    }
}
