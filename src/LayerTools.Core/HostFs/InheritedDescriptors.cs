using System.Globalization;
using System.Runtime.InteropServices;

namespace LayerTools.Core.HostFs;

/// <summary>
/// Descriptors this process got from its parent without close-on-exec (a shell's or a CI runner's
/// pipes, directories) would pass into every child, and a directory among them leads out of any
/// chroot. runc closes them inside the container itself; before the unshare fallback starts, they
/// are marked close-on-exec here (what .NET opens is already).
/// </summary>
internal static class InheritedDescriptors
{
    private const int GetFlags = 1;
    private const int SetFlags = 2;
    private const int CloseOnExecFlag = 1;

    public static void CloseOnExec()
    {
        foreach (var entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && fd > 2)
            {
                var flags = Fcntl(fd, GetFlags, 0);
                if (flags >= 0 && (flags & CloseOnExecFlag) == 0)
                {
                    Fcntl(fd, SetFlags, flags | CloseOnExecFlag);
                }
            }
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int command, int argument);
}
