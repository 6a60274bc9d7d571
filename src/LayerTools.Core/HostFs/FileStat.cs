namespace LayerTools.Core.HostFs;

/// <summary>What statx(2) says about a path, in the fields LayerTools uses.</summary>
internal sealed record FileStat(
    uint Mode,
    uint Nlink,
    int Uid,
    int Gid,
    ulong Inode,
    long Size,
    long CtimeSeconds,
    uint CtimeNanoseconds,
    long MtimeSeconds,
    uint MtimeNanoseconds,
    int RdevMajor,
    int RdevMinor,
    int DevMajor,
    int DevMinor)
{
    /// <summary>statx's mount id (0 when the kernel does not report it).</summary>
    public ulong MountId { get; init; }

    /// <summary>True when both paths are on the same mount (so a walk from one to the other crosses no mount point).</summary>
    public bool SameMount(FileStat other) =>
        DevMajor == other.DevMajor && DevMinor == other.DevMinor && (MountId == 0 || other.MountId == 0 || MountId == other.MountId);

    public uint Format => Mode & LinuxNative.SIfMt;

    public int Permissions => (int)(Mode & 0xFFF);

    public bool IsDirectory => Format == LinuxNative.SIfDir;

    public bool IsRegular => Format == LinuxNative.SIfReg;

    public bool IsSymlink => Format == LinuxNative.SIfLnk;

    /// <summary>overlayfs' whiteout: a character device numbered 0/0.</summary>
    public bool IsOverlayWhiteout => Format == LinuxNative.SIfChr && RdevMajor == 0 && RdevMinor == 0;
}
