using Microsoft.Win32.SafeHandles;
using static LayerTools.Core.HostFs.LinuxNative;
using LayerTools.Core.Tar;

namespace LayerTools.Core.HostFs;

/// <summary>
/// A directory treated as the root of an image's file system: every path is resolved inside it,
/// one component at a time, so a symbolic link from the image can never lead a host operation
/// outside (an absolute target starts again at this root, '..' stops at it). Uses openat2 with
/// RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS where the kernel has it, and otherwise walks the path
/// with openat(O_NOFOLLOW|O_DIRECTORY), reading each link and resolving it here by hand.
/// Operations on the last component never follow it: they act on (directory descriptor, name).
/// </summary>
internal sealed class SafeRoot : IDisposable
{
    private static readonly Lazy<bool> KernelHasOpenat2 = new(ProbeOpenat2);
    private int _fd;

    private SafeRoot(string path, int fd, bool useOpenat2)
    {
        HostPath = path;
        _fd = fd;
        UsesOpenat2 = useOpenat2;
    }

    /// <summary>Tests set this to false to exercise the per-component fallback.</summary>
    public static bool? Openat2Override { get; set; }

    public string HostPath { get; }

    public bool UsesOpenat2 { get; }

    public int Fd => _fd;

    /// <summary>Opens <paramref name="directory"/> (a host path LayerTools owns) as a root.</summary>
    public static SafeRoot Open(string directory)
    {
        var fd = Openat(AtFdCwd, directory, ORdOnly | ODirectory);
        if (fd < 0)
        {
            throw new LayerToolsException("RootUnavailable", ErrorKind.ResourceUnavailable, $"Cannot open the directory '{directory}': {Describe(-fd)}.", directory);
        }

        return new SafeRoot(directory, fd, Openat2Override ?? KernelHasOpenat2.Value);
    }

    /// <summary>
    /// Opens the directory at <paramref name="path"/> inside the root and returns its descriptor
    /// (the caller closes it). Missing directories are made when <paramref name="create"/> is given:
    /// it receives the resolved path and returns the attributes the new directory takes.
    /// Returns -errno when the directory cannot be opened and nothing may be created.
    /// </summary>
    public int TryOpenDirectory(string path, Func<string, DirectoryAttributes>? create = null)
    {
        if (path.Length == 0)
        {
            return Openat(_fd, ".", ORdOnly | ODirectory);
        }

        if (UsesOpenat2)
        {
            var fd = Openat2(_fd, path, ORdOnly | ODirectory, ResolveInRoot | ResolveNoMagicLinks);
            if (fd >= 0 || (fd != -ENoEnt && fd != -ENotDir) || create is null)
            {
                return fd;
            }
        }

        return Walk(path, create);
    }

    /// <summary>Like <see cref="TryOpenDirectory"/>, but failures are errors naming the path.</summary>
    public int OpenDirectory(string path, Func<string, DirectoryAttributes>? create = null, string? where = null)
    {
        var fd = TryOpenDirectory(path, create);
        if (fd < 0)
        {
            throw new LayerToolsException("ExtractFailed", ErrorKind.WriteError, $"{Prefix(where)}cannot open directory '/{path}' inside '{HostPath}': {Describe(-fd)}.", path);
        }

        return fd;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (clean, relative) beneath the root only when none of its components,
    /// the last included, is a symbolic link: for a directory whose contents another program may change
    /// at any moment (a mounted container's upper dir), where a name checked a moment ago proves nothing.
    /// Returns the descriptor, or -errno (ELOOP or ENOTDIR when a link is in the way).
    /// </summary>
    public int TryOpenBeneath(string path, int flags, uint mode = 0)
    {
        if (path.Length == 0)
        {
            return Openat(_fd, ".", flags, mode);
        }

        if (UsesOpenat2)
        {
            return Openat2(_fd, path, flags | ONoFollow, ResolveBeneath | ResolveNoSymlinks | ResolveNoMagicLinks, mode);
        }

        var parts = path.Split('/');
        var current = _fd;
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
                if (current != _fd)
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
            current = _fd;
            return result;
        }
        finally
        {
            if (current != _fd && current >= 0)
            {
                Close(current);
            }
        }
    }

    /// <summary>Opens a file inside the root for reading, following links inside the root only.</summary>
    public FileStream? TryOpenRead(string path)
    {
        int fd;
        if (UsesOpenat2)
        {
            fd = Openat2(_fd, path, ORdOnly, ResolveInRoot | ResolveNoMagicLinks);
        }
        else
        {
            var resolved = Resolve(path);
            if (resolved is null)
            {
                return null;
            }

            var parent = TryOpenDirectory(TarPath.Parent(resolved));
            if (parent < 0)
            {
                return null;
            }

            fd = Openat(parent, TarPath.Name(resolved), ORdOnly | ONoFollow);
            Close(parent);
        }

        if (fd < 0)
        {
            return null;
        }

        var stat = Stat(fd, string.Empty, AtEmptyPath, out _);
        if (stat is null || !stat.IsRegular)
        {
            Close(fd);
            return null;
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 81920);
    }

    /// <summary>Resolves every component of <paramref name="path"/> (the last too) inside the root, by hand; null when a component is missing.</summary>
    public string? Resolve(string path)
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

            var dir = TryOpenDirectory(string.Join('/', resolved));
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
                throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"Too many levels of symbolic links resolving '/{path}' inside '{HostPath}'.", path);
            }

            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            Push(pending, target);
        }

        return string.Join('/', resolved);
    }

    /// <summary>statx of the path inside the root, never following the last component.</summary>
    public FileStat? Lstat(string path)
    {
        if (path.Length == 0)
        {
            return Stat(_fd, string.Empty, AtEmptyPath, out _);
        }

        var dir = TryOpenDirectory(TarPath.Parent(path));
        if (dir < 0)
        {
            return null;
        }

        try
        {
            return Stat(dir, TarPath.Name(path), AtSymlinkNoFollow, out _);
        }
        finally
        {
            Close(dir);
        }
    }

    /// <summary>Removes (dirfd, name) and, for a directory, everything in it, never following a link.</summary>
    public static void RemoveAt(int dirfd, string name)
    {
        var stat = Stat(dirfd, name, AtSymlinkNoFollow, out var errno);
        if (stat is null)
        {
            if (errno == ENoEnt)
            {
                return;
            }

            throw new IOException($"Cannot inspect '{name}': {Describe(errno)}.");
        }

        if (stat.IsDirectory)
        {
            var fd = Openat(dirfd, name, ORdOnly | ODirectory | ONoFollow);
            if (fd >= 0)
            {
                try
                {
                    var parentStat = Stat(dirfd, string.Empty, AtEmptyPath, out _);
                    var self = Stat(fd, string.Empty, AtEmptyPath, out _);
                    if (parentStat is not null && self is not null && !self.SameMount(parentStat))
                    {
                        // Never delete through a mount point (a leftover overlay or bind mount).
                        throw new IOException($"'{name}' is a mount point; it must be unmounted before it is removed.");
                    }

                    foreach (var child in ListNames(fd))
                    {
                        RemoveAt(fd, child);
                    }
                }
                finally
                {
                    Close(fd);
                }
            }

            var rc = Unlinkat(dirfd, name, AtRemoveDir);
            if (rc < 0 && rc != -ENoEnt)
            {
                throw new IOException($"Cannot remove directory '{name}': {Describe(-rc)}.");
            }

            return;
        }

        var r = Unlinkat(dirfd, name, 0);
        if (r < 0 && r != -ENoEnt)
        {
            throw new IOException($"Cannot remove '{name}': {Describe(-r)}.");
        }
    }

    /// <summary>Removes a host folder LayerTools made (a snapshot, a run's upper dir), never following a link inside it.</summary>
    public static void RemoveTree(string hostPath)
    {
        var full = Path.GetFullPath(hostPath).TrimEnd('/');
        var parent = Path.GetDirectoryName(full);
        if (parent is null || !OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Openat(AtFdCwd, parent, ORdOnly | ODirectory);
        if (fd < 0)
        {
            return;
        }

        try
        {
            RemoveAt(fd, Path.GetFileName(full));
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>The names in an open directory, by ordinal order.</summary>
    public static List<string> ListNames(int dirfd)
    {
        var names = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(ProcFd(dirfd)))
        {
            names.Add(Path.GetFileName(entry));
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The /proc path that names exactly the inode behind a descriptor (no lookup by name).</summary>
    public static string ProcFd(int fd) => "/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Close(_fd);
            _fd = -1;
        }
    }

    private int Walk(string path, Func<string, DirectoryAttributes>? create)
    {
        var pending = new Stack<string>();
        Push(pending, path);
        var fds = new Stack<int>();
        var names = new List<string>();
        var hops = 0;
        var current = Openat(_fd, ".", ORdOnly | ODirectory);
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
                        RemoveAt(current, part);
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

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }

    private static string Prefix(string? where) => where is null ? string.Empty : $"'{where}': ";

    private static bool ProbeOpenat2()
    {
        var fd = Openat2(AtFdCwd, "/", ORdOnly | ODirectory, ResolveInRoot | ResolveNoMagicLinks);
        if (fd >= 0)
        {
            Close(fd);
            return true;
        }

        return false;
    }
}
