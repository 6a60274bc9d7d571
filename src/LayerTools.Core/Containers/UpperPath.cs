using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;
using Microsoft.Win32.SafeHandles;
using static LayerTools.Core.HostFs.LinuxNative;

namespace LayerTools.Core.Containers;

/// <summary>
/// A path of a container's <c>upper/</c> pinned for one operation. A program in the mounted container
/// can swap any directory of <c>upper/</c> for a symbolic link at any moment, so a name checked with
/// lstat proves nothing a moment later (the docker cp race). On Linux the parent directory is opened
/// beneath <c>upper/</c> with no symbolic link anywhere on the way (openat2 RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS, or a per-component O_NOFOLLOW walk) and held open: <see cref="Host"/> names
/// the entry through that descriptor (<c>/proc/self/fd/N/name</c>), and the operations that would
/// follow a final link open it with O_NOFOLLOW and check its type on the descriptor. Elsewhere it is
/// the plain path, checked by lstat (no program can run in a container there).
/// </summary>
internal sealed class UpperPath : IDisposable
{
    private readonly Func<LayerToolsException> _unsafe;
    private int _dir;

    private UpperPath(int dir, string name, string host, Func<LayerToolsException> unsafeError)
    {
        _dir = dir;
        Name = name;
        Host = host;
        _unsafe = unsafeError;
    }

    /// <summary>The entry's name in its parent directory.</summary>
    public string Name { get; }

    /// <summary>A host path for the entry that no change to <c>upper/</c> can redirect (except its last component, which callers must not follow).</summary>
    public string Host { get; }

    /// <summary>Pins the parent of <paramref name="path"/> (clean, relative to <paramref name="upperDir"/>); <paramref name="unsafeError"/> is thrown when a link or a non-directory is in the way.</summary>
    public static UpperPath Open(string upperDir, string path, Func<LayerToolsException> unsafeError)
    {
        if (!HostFile.IsNative)
        {
            var current = upperDir;
            foreach (var part in TarPath.Parent(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Combine(current, part);
                if (HostFile.LStat(current) is not { Type: EntryType.Directory })
                {
                    throw unsafeError();
                }
            }

            return new UpperPath(-1, TarPath.Name(path), path.Length == 0 ? upperDir : Path.Combine(upperDir, path.Replace('/', Path.DirectorySeparatorChar)), unsafeError);
        }

        using var root = SafeRoot.Open(upperDir);
        var dir = root.TryOpenBeneath(TarPath.Parent(path), ORdOnly | ODirectory);
        if (dir < 0)
        {
            throw unsafeError();
        }

        var host = SafeRoot.ProcFd(dir);
        return new UpperPath(dir, TarPath.Name(path), path.Length == 0 ? host : host + "/" + TarPath.Name(path), unsafeError);
    }

    /// <summary>The entry's own metadata (a final link is not followed); null when nothing is there.</summary>
    public HostStat? LStat() => HostFile.LStat(Host);

    /// <summary>Opens the entry as a regular file (never through a final link); <paramref name="flags"/> are open(2) flags.</summary>
    public FileStream OpenFile(int flags, uint mode = 0x1A4)
    {
        var write = (flags & 3) != ORdOnly;
        if (_dir < 0)
        {
            var fileMode = (flags & OCreat) != 0 ? FileMode.CreateNew : (flags & OTrunc) != 0 ? FileMode.Truncate : FileMode.Open;
            return new FileStream(Host, fileMode, write ? FileAccess.Write : FileAccess.Read, write ? FileShare.Read : FileShare.ReadWrite | FileShare.Delete, 81920);
        }

        // O_NONBLOCK: a FIFO put there must not hang the open; it is refused below as not a file.
        var fd = Name.Length == 0 ? -EIsDir : Openat(_dir, Name, flags | ONoFollow | ONonBlock, mode);
        if (fd < 0)
        {
            if (fd == -ELoop)
            {
                throw _unsafe();
            }

            throw new IOException($"Cannot open '{Name}' in the container's upper directory: {Describe(-fd)}.");
        }

        if (Stat(fd, string.Empty, AtEmptyPath, out _) is not { IsRegular: true })
        {
            Close(fd);
            throw _unsafe();
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), write ? FileAccess.Write : FileAccess.Read, 81920);
    }

    /// <summary>chmod of the entry itself, which must be a file or directory (never a link's target).</summary>
    public void SetMode(int mode)
    {
        if (_dir < 0)
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Host, (UnixFileMode)(mode & 0xFFF));
            }

            return;
        }

        var fd = Pin();
        try
        {
            // chmod of the /proc name of an O_PATH descriptor changes that inode, whatever its name now is.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(SafeRoot.ProcFd(fd), (UnixFileMode)(mode & 0xFFF));
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Sets the entry's modification (and access) time, never through a final link.</summary>
    public void SetModifiedTime(DateTime utc, bool isDirectory)
    {
        if (_dir < 0)
        {
            if (isDirectory)
            {
                Directory.SetLastWriteTimeUtc(Host, utc);
            }
            else
            {
                File.SetLastWriteTimeUtc(Host, utc);
            }

            return;
        }

        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += TimeSpan.TicksPerSecond;
        }

        var rc = Name.Length == 0 ? Futimens(_dir, seconds, rest * 100) : Utimensat(_dir, Name, seconds, rest * 100, AtSymlinkNoFollow);
        if (rc < 0)
        {
            throw new IOException($"Cannot set the time of '{Name}' in the container's upper directory: {Describe(-rc)}.");
        }
    }

    /// <summary>Removes the entry (a directory with everything in it), never following a link.</summary>
    public void Remove()
    {
        if (_dir < 0)
        {
            if (HostFile.LStat(Host) is { Type: EntryType.Directory })
            {
                Directory.Delete(Host, recursive: true);
            }
            else
            {
                File.Delete(Host);
            }

            return;
        }

        SafeRoot.RemoveAt(_dir, Name);
    }

    /// <summary>
    /// Renames <paramref name="source"/> (a file LayerTools made beside <c>upper/</c>, on the same file
    /// system) to this entry, through the pinned parent: nothing may be there yet (RENAME_NOREPLACE).
    /// </summary>
    public void MoveIn(string source)
    {
        if (_dir < 0)
        {
            File.Move(source, Host, overwrite: false);
            return;
        }

        var rc = Renameat2(AtFdCwd, source, _dir, Name, RenameNoReplace);
        if (rc == -EInval)
        {
            // A file system without renameat2's flags: the container is not mounted (its write lock says so), so nothing else adds this name meanwhile.
            rc = LStat() is null ? Renameat(AtFdCwd, source, _dir, Name) : -EExist;
        }

        ThrowIfFailed(rc, "move the copied file in as");
    }

    /// <summary>
    /// Swaps <paramref name="source"/> (a file LayerTools made beside <c>upper/</c>, on the same file
    /// system) with this entry, a file, through the pinned parent (RENAME_EXCHANGE): afterwards the
    /// entry has the new data and <paramref name="source"/> names what was here, so a second swap undoes it.
    /// </summary>
    public void Exchange(string source)
    {
        if (_dir >= 0)
        {
            var rc = Renameat2(AtFdCwd, source, _dir, Name, RenameExchange);
            if (rc != -EInval)
            {
                ThrowIfFailed(rc, "swap the copied file in for");
                return;
            }
        }

        // Without RENAME_EXCHANGE: the old file goes aside first, the new one in, the old one to the source's name.
        var aside = source + ".old";
        if (_dir < 0)
        {
            File.Move(Host, aside);
            File.Move(source, Host);
            File.Move(aside, source);
            return;
        }

        ThrowIfFailed(Renameat(_dir, Name, AtFdCwd, aside), "move aside");
        var moved = Renameat(AtFdCwd, source, _dir, Name);
        if (moved < 0)
        {
            Renameat(AtFdCwd, aside, _dir, Name);
            ThrowIfFailed(moved, "swap the copied file in for");
        }

        ThrowIfFailed(Renameat(AtFdCwd, aside, AtFdCwd, source), "keep aside the old");
    }

    public void Dispose()
    {
        if (_dir >= 0)
        {
            Close(_dir);
            _dir = -1;
        }
    }

    private void ThrowIfFailed(int rc, string what)
    {
        if (rc < 0)
        {
            throw new IOException($"Cannot {what} '{Name}' in the container's upper directory: {Describe(-rc)}.");
        }
    }

    /// <summary>An O_PATH descriptor of the entry itself, which must be a file or a directory.</summary>
    private int Pin()
    {
        var fd = Name.Length == 0 ? Openat(_dir, ".", OPath) : Openat(_dir, Name, OPath | ONoFollow);
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{Name}' in the container's upper directory: {Describe(-fd)}.");
        }

        if (Stat(fd, string.Empty, AtEmptyPath, out _) is not { } st || !(st.IsRegular || st.IsDirectory))
        {
            Close(fd);
            throw _unsafe();
        }

        return fd;
    }
}
