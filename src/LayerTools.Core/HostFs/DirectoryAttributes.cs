using LayerTools.Core.Tar;

namespace LayerTools.Core.HostFs;

/// <summary>The owner, permissions and time a directory takes when extraction has to make it.</summary>
internal sealed record DirectoryAttributes(int Mode, int Uid, int Gid, long ModifiedTime)
{
    public static DirectoryAttributes Default { get; } = new(0x1ED, 0, 0, 0);

    /// <summary>Applies owner (when running as root) and mode to an open directory descriptor.</summary>
    public void ApplyTo(int fd)
    {
        if (LinuxNative.GetEuid() == 0)
        {
            LinuxNative.Fchown(fd, Uid, Gid);
        }

        LinuxNative.Fchmod(fd, Mode & 0xFFF);
        if (ModifiedTime != 0)
        {
            LinuxNative.Futimens(fd, ModifiedTime, 0);
        }
    }
}
