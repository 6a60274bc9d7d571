using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using static LayerTools.Core.HostFs.LinuxNative;

namespace LayerTools.Core.Run;

/// <summary>
/// Makes the mount points of RUN --mount inside a root file system before the command starts:
/// each target resolved inside the root (a link in the image never leads out of it), missing
/// directories made, and an empty directory or file made for the mount itself when the image has
/// nothing there. Everything made is reported so it can be removed again after the run.
/// </summary>
internal static class MountPoints
{
    public static IReadOnlyList<ResolvedMount> Prepare(SafeRoot root, IReadOnlyList<ContainerMount> mounts, ICollection<string> made, string where)
    {
        var resolved = new List<ResolvedMount>();
        var rootHost = Readlinkat(AtFdCwd, SafeRoot.ProcFd(root.Fd), out _) ?? root.HostPath;
        foreach (var mount in mounts.OrderBy(m => TarPath.Normalize(m.Target).Count(c => c == '/')).ThenBy(m => m.Target, StringComparer.Ordinal))
        {
            var path = TarPath.Normalize(mount.Target);
            if (path.Length == 0)
            {
                throw new LayerToolsException("InvalidRunMount", ErrorKind.InvalidArgument, $"{where}: a mount cannot cover the root directory '/'.", mount.Target);
            }

            var inside = Place(root, rootHost, path, mount.IsFile, made, where);
            resolved.Add(new ResolvedMount(mount, "/" + inside, root.HostPath.TrimEnd('/') + "/" + inside));
        }

        return resolved;
    }

    private static string Place(SafeRoot root, string rootHost, string path, bool isFile, ICollection<string> made, string where)
    {
        for (var hops = 0; hops <= RootResolver.MaxLinkHops; hops++)
        {
            var parent = root.OpenDirectory(TarPath.Parent(path), p =>
            {
                made.Add(p);
                return DirectoryAttributes.Default;
            }, where);
            try
            {
                var parentHost = Readlinkat(AtFdCwd, SafeRoot.ProcFd(parent), out _) ?? string.Empty;
                if (parentHost != rootHost && !parentHost.StartsWith(rootHost.TrimEnd('/') + "/", StringComparison.Ordinal))
                {
                    throw new LayerToolsException("InvalidRunMount", ErrorKind.SecurityError, $"{where}: the mount target '/{path}' does not lie inside the root file system.", path);
                }

                var parentInside = parentHost.Length > rootHost.Length ? parentHost[(rootHost.TrimEnd('/').Length + 1)..] : string.Empty;
                var name = TarPath.Name(path);
                var full = parentInside.Length == 0 ? name : parentInside + "/" + name;
                var stat = Stat(parent, name, AtSymlinkNoFollow, out _);
                if (stat is null)
                {
                    var rc = isFile
                        ? Openat(parent, name, OCreat | OExcl | OWrOnly | ONoFollow | OCloExec, 0x1A4)
                        : Mkdirat(parent, name, 0x1ED);
                    if (rc < 0)
                    {
                        throw new LayerToolsException("InvalidRunMount", ErrorKind.WriteError, $"{where}: cannot make the mount point '/{full}': {Describe(-rc)}.", path);
                    }

                    if (isFile)
                    {
                        Close(rc);
                    }

                    made.Add(full);
                    return full;
                }

                if (stat.IsSymlink)
                {
                    var target = Readlinkat(parent, name, out _) ?? string.Empty;
                    path = TarPath.CleanUnderRoot(target.StartsWith('/') ? target : (parentInside.Length == 0 ? target : parentInside + "/" + target));
                    if (path.Length == 0)
                    {
                        throw new LayerToolsException("InvalidRunMount", ErrorKind.InvalidArgument, $"{where}: the mount target '/{full}' is a link to the root directory.", full);
                    }

                    continue;
                }

                if (stat.IsDirectory == isFile)
                {
                    throw new LayerToolsException("InvalidRunMount", ErrorKind.InvalidArgument, $"{where}: the mount target '/{full}' is {(stat.IsDirectory ? "a directory" : "not a directory")} in the image, but the mount source is {(isFile ? "a file" : "a directory")}.", full);
                }

                return full;
            }
            finally
            {
                Close(parent);
            }
        }

        throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"{where}: too many levels of symbolic links resolving the mount target '/{path}'.", path);
    }
}
