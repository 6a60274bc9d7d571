using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>What <c>lstat</c> says about a path in a container's upper directory (the last component is never followed).</summary>
internal readonly record struct HostStat(EntryType Type, int Mode, int Uid, int Gid, long Size, long ModifiedTime, long Device, long Inode, int DevMajor, int DevMinor)
{
    /// <summary>The identity of the file's inode, shared by the members of a hard-link group.</summary>
    public (long Device, long Inode) FileId => (Device, Inode);
}
