using System.Formats.Tar;
using System.Runtime.InteropServices;
using LayerTools.Core.Tar;

namespace LayerTools.Core.HostFs;

/// <summary>
/// The lstat of a host path: type, permission bits, owner. On Linux it comes from statx(2), whose
/// struct has the same layout on every architecture, with AT_SYMLINK_NOFOLLOW so a link is described,
/// never followed. Elsewhere (or if statx is missing) it falls back to what .NET offers: the mode from
/// <see cref="FileSystemInfo.UnixFileMode"/>, owner 0:0, and for a file that looks empty (.NET shows
/// devices, FIFOs and sockets so) the type System.Formats.Tar reads from the file system without
/// opening it. The one place that says what a host path is: import, diff and build use it.
/// </summary>
internal readonly record struct HostFileStatus(EntryType Type, int Mode, int Uid, int Gid, long Size, bool IsSocket, int DevMajor = 0, int DevMinor = 0)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const int StatxSize = 256;

    private static bool s_statxMissing = !OperatingSystem.IsLinux();

    public static HostFileStatus Of(FileSystemInfo info)
    {
        if (!s_statxMissing)
        {
            var buffer = new byte[StatxSize];
            try
            {
                if (statx(AtFdCwd, info.FullName, AtSymlinkNoFollow, StatxBasicStats, buffer) == 0)
                {
                    return FromStatx(buffer);
                }

                var errno = Marshal.GetLastPInvokeError();
                throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read the status of '{info.FullName}' (errno {errno}). Check that it exists and is readable.", info.FullName);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                s_statxMissing = true;
            }
        }

        return Fallback(info);
    }

    private static HostFileStatus FromStatx(byte[] b)
    {
        // statx(2) fills the struct in the machine's byte order: stx_uid at 20, stx_gid at 24, stx_mode at 28, stx_size at 40,
        // stx_rdev_major at 128 and stx_rdev_minor at 132.
        var uid = MemoryMarshal.Read<uint>(b.AsSpan(20));
        var gid = MemoryMarshal.Read<uint>(b.AsSpan(24));
        var mode = MemoryMarshal.Read<ushort>(b.AsSpan(28));
        var size = MemoryMarshal.Read<long>(b.AsSpan(40));
        var rdevMajor = MemoryMarshal.Read<uint>(b.AsSpan(128));
        var rdevMinor = MemoryMarshal.Read<uint>(b.AsSpan(132));
        var type = (mode & 0xF000) switch
        {
            0x4000 => EntryType.Directory,
            0xA000 => EntryType.SymbolicLink,
            0x2000 => EntryType.CharDevice,
            0x6000 => EntryType.BlockDevice,
            0x1000 => EntryType.Fifo,
            _ => EntryType.File,
        };
        var device = type is EntryType.CharDevice or EntryType.BlockDevice;
        return new HostFileStatus(type, mode & 0xFFF, (int)uid, (int)gid, type == EntryType.File ? size : 0, (mode & 0xF000) == 0xC000,
            device ? (int)rdevMajor : 0, device ? (int)rdevMinor : 0);
    }

    private static HostFileStatus Fallback(FileSystemInfo info)
    {
        var type = info.LinkTarget is not null ? EntryType.SymbolicLink
            : info is DirectoryInfo ? EntryType.Directory
            : EntryType.File;
        int mode;
        if (OperatingSystem.IsWindows())
        {
            mode = type switch { EntryType.Directory => 0x1ED, EntryType.SymbolicLink => 0x1FF, _ => 0x1A4 };
        }
        else
        {
            mode = (int)info.UnixFileMode & 0xFFF;
        }

        var size = type == EntryType.File && info is FileInfo f ? f.Length : 0;
        if (type == EntryType.File && size == 0 && !OperatingSystem.IsWindows() && SpecialFile(info) is { } special)
        {
            return new HostFileStatus(special.Type, mode, 0, 0, 0, special.IsSocket, special.Major, special.Minor);
        }

        return new HostFileStatus(type, mode, 0, 0, size, false);
    }

    /// <summary>What an empty-looking file really is, as TarWriter reads it from the file system; null for a regular file.</summary>
    private static (EntryType Type, bool IsSocket, int Major, int Minor)? SpecialFile(FileSystemInfo file)
    {
        var scratch = new MemoryStream();
        try
        {
            using (var writer = new TarWriter(scratch, TarEntryFormat.Ustar, leaveOpen: true))
            {
                writer.WriteEntry(file.FullName, "probe");
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            // TarWriter refuses what a tar cannot hold: a socket.
            return (EntryType.File, true, 0, 0);
        }

        scratch.Position = 0;
        using var reader = new TarReader(scratch);
        var entry = reader.GetNextEntry() as PosixTarEntry;
        return entry?.EntryType switch
        {
            TarEntryType.CharacterDevice => (EntryType.CharDevice, false, entry.DeviceMajor, entry.DeviceMinor),
            TarEntryType.BlockDevice => (EntryType.BlockDevice, false, entry.DeviceMajor, entry.DeviceMinor),
            TarEntryType.Fifo => (EntryType.Fifo, false, 0, 0),
            _ => null,
        };
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int statx(int dirfd, string pathname, int flags, uint mask, byte[] statxbuf);
}
