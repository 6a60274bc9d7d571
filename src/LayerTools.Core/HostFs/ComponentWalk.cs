using static LayerTools.Core.HostFs.LinuxNative;
using LayerTools.Core.Tar;

namespace LayerTools.Core.HostFs;

/// <summary>
/// Path resolution inside a <see cref="SafeRoot"/> one component at a time, for kernels without
/// openat2: each directory is opened with O_NOFOLLOW|O_DIRECTORY from the one before, each link is
/// read and resolved here (an absolute target starts again at the root, '..' stops at it, at most
/// <see cref="TarPath.MaxLinkHops"/> hops).
/// </summary>
internal static class ComponentWalk
{
    /// <summary>
    /// Opens the directory at <paramref name="path"/> inside the root <paramref name="rootFd"/>, reading
    /// each link and resolving it inside the root; makes missing directories when <paramref name="create"/>
    /// is given (see <see cref="SafeRoot.TryOpenDirectory"/>). Returns the descriptor or -errno.
    /// </summary>
    public static int OpenDirectory(int rootFd, string path, Func<string, DirectoryAttributes>? create)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        var fds = new Stack<int>();
        var names = new List<string>();
        var hops = 0;
        var current = Openat(rootFd, ".", ORdOnly | ODirectory);
        if (current < 0)
        {
            return current;
        }

        try
        {
            while (pending.Count > 0)
            {
                var part = pending.Pop();
                if (part.Length == 0 || part == ".")
                {
                    continue;
                }

                if (part == "..")
                {
                    if (fds.Count > 0)
                    {
                        Close(current);
                        current = fds.Pop();
                        names.RemoveAt(names.Count - 1);
                    }

                    continue;
                }

                var next = Openat(current, part, ORdOnly | ODirectory | ONoFollow);
                if (next == -ENoEnt && create is not null)
                {
                    var resolved = names.Count == 0 ? part : string.Join('/', names) + "/" + part;
                    var attributes = create(resolved);
                    var made = Mkdirat(current, part, 0x1C0);
                    if (made == 0)
                    {
                        var fd = Openat(current, part, ORdOnly | ODirectory | ONoFollow);
                        if (fd >= 0)
                        {
                            attributes.ApplyTo(fd);
                        }

                        next = fd;
                    }
                    else if (made == -EExist)
                    {
                        pending.Push(part);
                        continue;
                    }
                    else
                    {
                        return made;
                    }
                }

                if (next == -ELoop || next == -ENotDir)
                {
                    var target = Readlinkat(current, part, out _);
                    if (target is null)
                    {
                        if (create is null)
                        {
                            return -ENotDir;
                        }

                        // A file where a directory must be: the path becomes a directory, as the
                        // union view has it (anything but a directory over a path replaces it).
                        SafeRoot.RemoveAt(current, part);
                        pending.Push(part);
                        continue;
                    }

                    if (++hops > TarPath.MaxLinkHops)
                    {
                        return -ELoop;
                    }

                    if (target.StartsWith('/'))
                    {
                        while (fds.Count > 0)
                        {
                            Close(current);
                            current = fds.Pop();
                        }

                        names.Clear();
                    }

                    Push(pending, target);
                    continue;
                }

                if (next < 0)
                {
                    return next;
                }

                fds.Push(current);
                names.Add(part);
                current = next;
            }

            var result = current;
            current = -1;
            return result;
        }
        finally
        {
            if (current >= 0)
            {
                Close(current);
            }

            while (fds.Count > 0)
            {
                Close(fds.Pop());
            }
        }
    }

    /// <summary>Resolves every component of <paramref name="path"/> (the last too) inside <paramref name="root"/>, by hand; null when a component is missing.</summary>
    public static string? Resolve(SafeRoot root, string path)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        var resolved = new List<string>();
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var dir = root.TryOpenDirectory(string.Join('/', resolved));
            if (dir < 0)
            {
                return null;
            }

            var target = Readlinkat(dir, part, out _);
            var exists = target is not null || Stat(dir, part, AtSymlinkNoFollow, out _) is not null;
            Close(dir);
            if (!exists)
            {
                return null;
            }

            if (target is null)
            {
                resolved.Add(part);
                continue;
            }

            if (++hops > TarPath.MaxLinkHops)
            {
                throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"Too many levels of symbolic links resolving '/{path}' inside '{root.HostPath}'.", path);
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            Push(pending, target);
        }

        return string.Join('/', resolved);
    }

    /// <summary>
    /// Opens <paramref name="path"/> (clean, relative) beneath <paramref name="rootFd"/> only when none of
    /// its components, the last included, is a symbolic link (see <see cref="SafeRoot.TryOpenBeneath"/>).
    /// Returns the descriptor, or -errno.
    /// </summary>
    public static int OpenBeneath(int rootFd, string path, int flags, uint mode)
    {
        var parts = path.Split('/');
        var current = rootFd;
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i] is "" or "." or "..")
                {
                    return -EInval;
                }

                var last = i == parts.Length - 1;
                var next = last ? Openat(current, parts[i], flags | ONoFollow, mode) : Openat(current, parts[i], ORdOnly | ODirectory | ONoFollow);
                if (current != rootFd)
                {
                    Close(current);
                }

                current = next;
                if (next < 0)
                {
                    return next;
                }
            }

            var result = current;
            current = rootFd;
            return result;
        }
        finally
        {
            if (current != rootFd && current >= 0)
            {
                Close(current);
            }
        }
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
