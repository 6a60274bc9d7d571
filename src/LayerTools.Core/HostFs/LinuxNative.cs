using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace LayerTools.Core.HostFs;

/// <summary>
/// The few Linux system calls that safe extraction, overlay mounts and upper-dir walks need, with
/// the *at forms so that every path is resolved relative to a directory descriptor we hold.
/// Flag values differ between x86-64 and the generic (arm64) ABI where noted.
/// </summary>
internal static class LinuxNative
{
    private const string Libc = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtSymlinkFollow = 0x400;
    public const int AtEmptyPath = 0x1000;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OTrunc = 0x200;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;
    public const int OPath = 0x200000;

    public static readonly int ODirectory = IsGenericAbi ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = IsGenericAbi ? 0x8000 : 0x20000;

    public const ulong ResolveNoXdev = 0x01;
    public const ulong ResolveNoMagicLinks = 0x02;
    public const ulong ResolveNoSymlinks = 0x04;
    public const ulong ResolveBeneath = 0x08;
    public const ulong ResolveInRoot = 0x10;

    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int E2Big = 7;
    public const int EAgain = 11;
    public const int EExist = 17;
    public const int EXDev = 18;
    public const int ENotDir = 20;
    public const int EIsDir = 21;
    public const int EInval = 22;
    public const int ENoSys = 38;
    public const int ENotEmpty = 39;
    public const int ELoop = 40;
    public const int ENoData = 61;
    public const int EOpNotSupp = 95;

    public const uint SIfMt = 0xF000;
    public const uint SIfSock = 0xC000;
    public const uint SIfLnk = 0xA000;
    public const uint SIfReg = 0x8000;
    public const uint SIfBlk = 0x6000;
    public const uint SIfDir = 0x4000;
    public const uint SIfChr = 0x2000;
    public const uint SIfIfo = 0x1000;

    public const int MntDetach = 2;

    public const uint RenameNoReplace = 1;
    public const uint RenameExchange = 2;

    /// <summary>openat2 has the same number on every Linux architecture (the unified syscall table).</summary>
    private const long SysOpenat2 = 437;

    private static bool IsGenericAbi =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport(Libc, SetLastError = true, EntryPoint = "syscall")]
    private static extern long SyscallOpenat2(long number, int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref OpenHow how, nuint size);

    [DllImport(Libc, SetLastError = true, EntryPoint = "openat")]
    private static extern int OpenatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport(Libc, SetLastError = true, EntryPoint = "mkdirat")]
    private static extern int MkdiratRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport(Libc, SetLastError = true, EntryPoint = "mknodat")]
    private static extern int MknodatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport(Libc, SetLastError = true, EntryPoint = "symlinkat")]
    private static extern int SymlinkatRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Libc, SetLastError = true, EntryPoint = "linkat")]
    private static extern int LinkatRaw(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "unlinkat")]
    private static extern int UnlinkatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "renameat")]
    private static extern int RenameatRaw(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);

    [DllImport(Libc, SetLastError = true, EntryPoint = "renameat2")]
    private static extern int Renameat2Raw(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fchownat")]
    private static extern int FchownatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint uid, uint gid, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fchmodat")]
    private static extern int FchmodatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "utimensat")]
    private static extern int UtimensatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, Timespec[] times, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "readlinkat")]
    private static extern nint ReadlinkatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer, nuint size);

    [DllImport(Libc, SetLastError = true, EntryPoint = "lsetxattr")]
    private static extern int LsetxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "lgetxattr")]
    private static extern nint LgetxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);

    [DllImport(Libc, SetLastError = true, EntryPoint = "llistxattr")]
    private static extern nint LlistxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[]? list, nuint size);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fchown")]
    private static extern int FchownRaw(int fd, uint uid, uint gid);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fchmod")]
    private static extern int FchmodRaw(int fd, uint mode);

    [DllImport(Libc, SetLastError = true, EntryPoint = "futimens")]
    private static extern int FutimensRaw(int fd, Timespec[] times);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fsetxattr")]
    private static extern int FsetxattrRaw(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport(Libc, SetLastError = true, EntryPoint = "setxattr")]
    private static extern int SetxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    // The path as NUL-terminated UTF-8 bytes the caller encodes (from a string or a span of one).
    [DllImport(Libc, SetLastError = true, EntryPoint = "statx")]
    private static extern int StatxRaw(int dirfd, ref byte path, int flags, uint mask, ref byte buffer);

    [DllImport(Libc, SetLastError = true, EntryPoint = "close")]
    public static extern int Close(int fd);

    [DllImport(Libc, SetLastError = true, EntryPoint = "umount2")]
    private static extern int Umount2Raw([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport(Libc, EntryPoint = "geteuid")]
    public static extern uint GetEuid();

    /// <summary>sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writing a range of a file's dirty pages to disk and returns; it makes nothing durable (fsync does).</summary>
    [DllImport(Libc, EntryPoint = "sync_file_range")]
    public static extern int SyncFileRangeWrite(SafeHandle fd, long offset, long count, uint flags = 2);

    [DllImport(Libc, SetLastError = true, EntryPoint = "fsync")]
    private static extern int FsyncRaw(int fd);

    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>
    /// fsync(2) of a folder: makes the names created, renamed or removed in it durable (a file's own
    /// fsync makes its data and inode durable, not the folder entry that names it).
    /// </summary>
    public static void SyncFolder(string path)
    {
        var fd = Openat(AtFdCwd, path, ODirectory);
        if (fd < 0)
        {
            throw new IOException($"Cannot open the folder '{path}' to flush it to disk: {Describe(-fd)}.");
        }

        try
        {
            while (FsyncRaw(fd) != 0)
            {
                var e = LastErrno;
                if (e != EIntr)
                {
                    throw new IOException($"Cannot flush the folder '{path}' to disk: {Describe(e)}.");
                }
            }
        }
        finally
        {
            Close(fd);
        }
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>openat2(2); returns -errno instead of throwing.</summary>
    public static int Openat2(int dirfd, string path, int flags, ulong resolve, uint mode = 0)
    {
        var how = new OpenHow { Flags = (ulong)(uint)(flags | OCloExec), Mode = mode, Resolve = resolve };
        for (var attempt = 0; ; attempt++)
        {
            var fd = SyscallOpenat2(SysOpenat2, dirfd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
            if (fd >= 0)
            {
                return (int)fd;
            }

            // EAGAIN: a rename raced with RESOLVE_IN_ROOT's check; retry a bounded number of times.
            var e = LastErrno;
            if ((e != EIntr && e != EAgain) || attempt > 64)
            {
                return -e;
            }
        }
    }

    /// <summary>openat(2); returns -errno instead of throwing.</summary>
    public static int Openat(int dirfd, string path, int flags, uint mode = 0)
    {
        while (true)
        {
            var fd = OpenatRaw(dirfd, path, flags | OCloExec, mode);
            if (fd >= 0)
            {
                return fd;
            }

            var e = LastErrno;
            if (e != EIntr)
            {
                return -e;
            }
        }
    }

    public static int Mkdirat(int dirfd, string path, uint mode) => Check(MkdiratRaw(dirfd, path, mode));

    public static int Mknodat(int dirfd, string path, uint mode, ulong dev) => Check(MknodatRaw(dirfd, path, mode, dev));

    public static int Symlinkat(string target, int dirfd, string path) => Check(SymlinkatRaw(target, dirfd, path));

    public static int Linkat(int olddirfd, string oldpath, int newdirfd, string newpath) => Check(LinkatRaw(olddirfd, oldpath, newdirfd, newpath, 0));

    public static int Unlinkat(int dirfd, string path, int flags) => Check(UnlinkatRaw(dirfd, path, flags));

    public static int Renameat(int olddirfd, string oldpath, int newdirfd, string newpath) => Check(RenameatRaw(olddirfd, oldpath, newdirfd, newpath));

    /// <summary>renameat2(2) with <see cref="RenameNoReplace"/> or <see cref="RenameExchange"/>; -errno on failure (EINVAL where the file system has neither).</summary>
    public static int Renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags) => Check(Renameat2Raw(olddirfd, oldpath, newdirfd, newpath, flags));

    public static int Fchownat(int dirfd, string path, int uid, int gid, int flags) => Check(FchownatRaw(dirfd, path, (uint)uid, (uint)gid, flags));

    public static int Fchmodat(int dirfd, string path, int mode) => Check(FchmodatRaw(dirfd, path, (uint)mode, 0));

    public static int Utimensat(int dirfd, string path, long seconds, long nanoseconds, int flags)
    {
        var t = new Timespec { Seconds = seconds, Nanoseconds = nanoseconds };
        return Check(UtimensatRaw(dirfd, path, new[] { t, t }, flags));
    }

    public static int Fchown(int fd, int uid, int gid) => Check(FchownRaw(fd, (uint)uid, (uint)gid));

    public static int Fchmod(int fd, int mode) => Check(FchmodRaw(fd, (uint)mode));

    public static int Futimens(int fd, long seconds, long nanoseconds)
    {
        var t = new Timespec { Seconds = seconds, Nanoseconds = nanoseconds };
        return Check(FutimensRaw(fd, new[] { t, t }));
    }

    public static int Fsetxattr(int fd, string name, byte[] value) => Check(FsetxattrRaw(fd, name, value, (nuint)value.Length, 0));

    public static int Umount2(string target, int flags) => Check(Umount2Raw(target, flags));

    /// <summary>The target of a symbolic link, or null with the errno when it is not one.</summary>
    public static string? Readlinkat(int dirfd, string path, out int errno)
    {
        var buffer = new byte[4096];
        var n = ReadlinkatRaw(dirfd, path, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            errno = LastErrno;
            return null;
        }

        errno = 0;
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    /// <summary>setxattr(2), following the path: used only on /proc/self/fd/N, which names the exact inode we hold.</summary>
    public static int Setxattr(string path, string name, byte[] value) => Check(SetxattrRaw(path, name, value, (nuint)value.Length, 0));

    public static int Lsetxattr(string path, string name, byte[] value) => Check(LsetxattrRaw(path, name, value, (nuint)value.Length, 0));

    /// <summary>An extended attribute of a path (no link followed), or null when it has none by that name.</summary>
    public static byte[]? Lgetxattr(string path, string name)
    {
        var size = LgetxattrRaw(path, name, null, 0);
        if (size < 0)
        {
            return null;
        }

        var value = new byte[size];
        size = LgetxattrRaw(path, name, value, (nuint)value.Length);
        return size < 0 ? null : value[..(int)size];
    }

    /// <summary>The names of a path's extended attributes (no link followed).</summary>
    public static IReadOnlyList<string> Llistxattr(string path)
    {
        var size = LlistxattrRaw(path, null, 0);
        if (size <= 0)
        {
            return Array.Empty<string>();
        }

        var list = new byte[size];
        size = LlistxattrRaw(path, list, (nuint)list.Length);
        if (size <= 0)
        {
            return Array.Empty<string>();
        }

        return Encoding.UTF8.GetString(list, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>statx(2) of <paramref name="path"/> relative to <paramref name="dirfd"/>; null with errno on failure.</summary>
    public static FileStat? Stat(int dirfd, string path, int flags, out int errno) => Stat(dirfd, path.AsSpan(), flags, out errno);

    /// <summary>statx(2) of a path given as a span (a part of a longer string: no string made for it).</summary>
    public static FileStat? Stat(int dirfd, ReadOnlySpan<char> path, int flags, out int errno)
    {
        var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> name = max <= 512 ? stackalloc byte[512] : new byte[max];
        name[Encoding.UTF8.GetBytes(path, name)] = 0;
        Span<byte> buffer = stackalloc byte[256];
        if (StatxRaw(dirfd, ref MemoryMarshal.GetReference(name), flags, 0x1FFF, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            errno = LastErrno;
            return null;
        }

        errno = 0;
        ReadOnlySpan<byte> span = buffer;
        return new FileStat(
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(span[28..]),
            Nlink: BinaryPrimitives.ReadUInt32LittleEndian(span[16..]),
            Uid: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[20..]),
            Gid: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[24..]),
            Inode: BinaryPrimitives.ReadUInt64LittleEndian(span[32..]),
            Size: (long)BinaryPrimitives.ReadUInt64LittleEndian(span[40..]),
            CtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(span[96..]),
            CtimeNanoseconds: BinaryPrimitives.ReadUInt32LittleEndian(span[104..]),
            MtimeSeconds: BinaryPrimitives.ReadInt64LittleEndian(span[112..]),
            MtimeNanoseconds: BinaryPrimitives.ReadUInt32LittleEndian(span[120..]),
            RdevMajor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[128..]),
            RdevMinor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[132..]),
            DevMajor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[136..]),
            DevMinor: (int)BinaryPrimitives.ReadUInt32LittleEndian(span[140..]))
        {
            MountId = (BinaryPrimitives.ReadUInt32LittleEndian(span) & 0x1000) != 0 ? BinaryPrimitives.ReadUInt64LittleEndian(span[144..]) : 0,
        };
    }

    /// <summary>Encodes a device number as glibc's makedev does.</summary>
    public static ulong MakeDev(int major, int minor)
    {
        var ma = (ulong)(uint)major;
        var mi = (ulong)(uint)minor;
        return ((ma & 0xFFFFF000UL) << 32) | ((ma & 0xFFFUL) << 8) | ((mi & 0xFFFFFF00UL) << 12) | (mi & 0xFFUL);
    }

    private static int Check(int result) => result == 0 ? 0 : -LastErrno;
}
