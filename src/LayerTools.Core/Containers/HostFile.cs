using System.Runtime.InteropServices;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The few file operations .NET does not offer and a container's upper directory needs: lstat with
/// owner and inode, lchown, and hard links. Linux (x64, arm64) uses libc; elsewhere the portable
/// fallbacks give what .NET can see (owners then come from the container's record).
/// </summary>
internal static class HostFile
{
    private const int StatBufferSize = 256;

    /// <summary>True where lstat, lchown and link are called natively.</summary>
    public static bool IsNative { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>True when this process may give files away (root on Unix).</summary>
    public static bool CanChown { get; } = IsNative && geteuid() == 0;

    /// <summary>The path's own metadata, without following a final symbolic link; null when nothing is there.</summary>
    public static HostStat? LStat(string path)
    {
        if (!IsNative)
        {
            return PortableStat(path);
        }

        var buffer = new byte[StatBufferSize];
        if (lstat(path, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20)
            {
                return null; // ENOENT, ENOTDIR
            }

            throw new IOException($"lstat '{path}' failed with errno {errno}.");
        }

        var x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        var span = buffer.AsSpan();
        var dev = BitConverter.ToInt64(span[0..8]);
        var ino = BitConverter.ToInt64(span[8..16]);
        var mode = BitConverter.ToInt32(x64 ? span[24..28] : span[16..20]);
        var uid = BitConverter.ToInt32(x64 ? span[28..32] : span[24..28]);
        var gid = BitConverter.ToInt32(x64 ? span[32..36] : span[28..32]);
        var rdev = BitConverter.ToUInt64(x64 ? span[40..48] : span[32..40]);
        var size = BitConverter.ToInt64(span[48..56]);
        var mtime = BitConverter.ToInt64(span[88..96]);
        var major = (int)(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffUL));
        var minor = (int)((rdev & 0xff) | ((rdev >> 12) & ~0xffUL));
        var type = (mode & 0xF000) switch
        {
            0x8000 => EntryType.File,
            0x4000 => EntryType.Directory,
            0xA000 => EntryType.SymbolicLink,
            0x2000 => EntryType.CharDevice,
            0x6000 => EntryType.BlockDevice,
            0x1000 => EntryType.Fifo,
            _ => throw new LayerToolsException("UnsupportedHostFile", ErrorKind.InvalidData, $"'{path}' is a socket or another kind of file a layer cannot hold.", path),
        };
        return new HostStat(type, mode & 0xFFF, uid, gid, type == EntryType.File ? size : 0, mtime, dev, ino, major, minor);
    }

    /// <summary>Changes the owner of the path itself (a symbolic link is not followed).</summary>
    public static void LChown(string path, int uid, int gid)
    {
        if (lchown(path, uid, gid) != 0)
        {
            throw new IOException($"lchown '{path}' to {uid}:{gid} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Makes <paramref name="newPath"/> a hard link to <paramref name="existing"/>.</summary>
    public static void Link(string existing, string newPath)
    {
        if (!IsNative)
        {
            throw new LayerToolsException("HardLinksUnsupported", ErrorKind.NotImplemented, "Hard links in a container need Linux.", newPath);
        }

        if (link(existing, newPath) != 0)
        {
            throw new IOException($"link '{existing}' -> '{newPath}' failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>True when overlayfs marked the directory opaque (trusted.overlay.opaque or user.overlay.opaque is "y").</summary>
    public static bool IsOverlayOpaque(string path)
    {
        if (!IsNative)
        {
            return false;
        }

        var value = new byte[4];
        foreach (var name in new[] { "trusted.overlay.opaque", "user.overlay.opaque" })
        {
            var n = lgetxattr(path, name, value, (nuint)value.Length);
            if (n == 1 && value[0] == (byte)'y')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Makes an overlayfs whiteout (a character device 0/0) at <paramref name="path"/>.</summary>
    public static void MakeOverlayWhiteout(string path)
    {
        if (!IsNative || mknod(path, 0x2000, 0) != 0)
        {
            throw new IOException($"mknod '{path}' (an overlay whiteout) failed with errno {(IsNative ? Marshal.GetLastPInvokeError() : 0)}.");
        }
    }

    /// <summary>Marks a directory opaque for overlayfs (trusted.overlay.opaque as root, user.overlay.opaque otherwise).</summary>
    public static void MarkOverlayOpaque(string path)
    {
        var name = CanChown ? "trusted.overlay.opaque" : "user.overlay.opaque";
        if (!IsNative || lsetxattr(path, name, new[] { (byte)'y' }, 1, 0) != 0)
        {
            throw new IOException($"Setting {name} on '{path}' failed with errno {(IsNative ? Marshal.GetLastPInvokeError() : 0)}.");
        }
    }

    private static HostStat? PortableStat(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (!info.Exists)
        {
            info = new DirectoryInfo(path);
            if (!info.Exists && info.LinkTarget is null)
            {
                return null;
            }
        }

        var type = info.LinkTarget is not null ? EntryType.SymbolicLink : info is DirectoryInfo ? EntryType.Directory : EntryType.File;
        var mode = OperatingSystem.IsWindows() ? (type == EntryType.Directory ? 0x1ED : 0x1A4) : (int)info.UnixFileMode;
        var size = type == EntryType.File ? ((FileInfo)info).Length : 0;
        return new HostStat(type, mode, 0, 0, size, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds(), 0, 0, 0, 0);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int lstat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);

    [DllImport("libc", SetLastError = true)]
    private static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);

    [DllImport("libc", SetLastError = true)]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int mknod([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport("libc", SetLastError = true)]
    private static extern int lsetxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint lgetxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size);
}
