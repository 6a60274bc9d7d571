namespace LayerTools.Core.Layers;

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
    public uint Format => Mode & LinuxNative.SIfMt;

    public int Permissions => (int)(Mode & 0xFFF);

    public bool IsDirectory => Format == LinuxNative.SIfDir;

    public bool IsRegular => Format == LinuxNative.SIfReg;

    public bool IsSymlink => Format == LinuxNative.SIfLnk;

    /// <summary>overlayfs' whiteout: a character device numbered 0/0.</summary>
    public bool IsOverlayWhiteout => Format == LinuxNative.SIfChr && RdevMajor == 0 && RdevMinor == 0;
}
