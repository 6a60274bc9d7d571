using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Context;

/// <summary>
/// Lists a build context on Linux with one statx per entry and nothing more (a readlink for a
/// symbolic link): the tree is walked a level at a time, the names of a level's folders listed and
/// the entries stat'ed (and .dockerignore asked) on all cores, then added in path order. A no-op
/// rebuild costs little more than these stat calls.
/// </summary>
internal static class ContextScan
{
    /// <summary>A folder with this many entries is stat'ed on all cores by itself (smaller ones are, a level's folders side by side).</summary>
    private const int ParallelFolderSize = 2048;

    public static void Walk(string root, Dictionary<string, ContextEntry> entries, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip, CancellationToken ct)
    {
        var parallel = new ParallelOptions { CancellationToken = ct };
        var level = new List<(string Relative, string Full)> { (string.Empty, root) };
        while (level.Count > 0)
        {
            // Each folder of this level: its names (getdents), then one statx each relative to the
            // folder's descriptor (no path walk from the root), made into entries where they are
            // stat'ed (.dockerignore asked there too: the matcher is immutable), so no stat result
            // outlives its folder. The level's folders on all cores in one Parallel.For: each one
            // ends with the pool's idle workers spinning before they sleep (a level taken eight
            // folders at a time was 13 of them at 50,000 files, ~2,700 sched_yield a no-op); a level
            // of one folder on this thread. Added to the map in path order, as before.
            var listed = new Listed[level.Count];
            if (level.Count == 1)
            {
                listed[0] = ListAndStat(root, level[0].Relative, level[0].Full, isExcluded, canSkip, parallel);
            }
            else
            {
                ParallelLoop.For(0, level.Count, parallel, i => listed[i] = ListAndStat(root, level[i].Relative, level[i].Full, isExcluded, canSkip, parallel));
            }

            // Sized once for the level (a map grown by doubling to 50,000 entries rehashed them all
            // again at each step and allocated twice its final table).
            entries.EnsureCapacity(entries.Count + listed.Sum(l => l.Entries.Length));
            var next = new List<(string Relative, string Full)>();
            foreach (var folder in listed)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var entry in folder.Entries)
                {
                    if (entry is not null)
                    {
                        entries[entry.Path] = entry;
                    }
                }

                next.AddRange(folder.Folders);
            }

            level = next;
        }
    }

    /// <summary>One folder's entries in name order (null where .dockerignore excluded one) and the folders below it to walk.</summary>
    private readonly record struct Listed(ContextEntry?[] Entries, List<(string Relative, string Full)> Folders);

    private static Listed ListAndStat(string root, string relative, string full, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip, ParallelOptions parallel)
    {
        var fd = LinuxNative.Openat(LinuxNative.AtFdCwd, full, LinuxNative.ORdOnly | LinuxNative.ODirectory | LinuxNative.ONoFollow);
        if (fd < 0)
        {
            throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot open the folder '{full}' (errno {-fd}). Check that it exists and is readable.", full);
        }

        var prefix = relative.Length == 0 ? 0 : relative.Length + 1;
        string[] paths;
        ContextEntry?[] result;
        bool[] walk;
        try
        {
            // Each entry's context path made from its name as the folder's descriptor lists it (no
            // string for the name alone: the statx takes it as the path's last part).
            paths = FolderListing.ListNames(fd, prefix == 0 ? string.Empty : relative + "/", out var listErrno).ToArray();
            if (listErrno != 0)
            {
                throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot list the folder '{full}' (errno {listErrno}). Check that it is readable.", full);
            }

            result = new ContextEntry?[paths.Length];
            walk = new bool[paths.Length];
            void StatOne(int i)
            {
                var rel = paths[i];
                var stat = LinuxNative.Stat(fd, rel.AsSpan(prefix), LinuxNative.AtSymlinkNoFollow, out var errno)
                    ?? throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read the status of '{Path.Join(root, rel)}' (errno {errno}). Check that it exists and is readable.", Path.Join(root, rel));
                (result[i], walk[i]) = Entry(root, rel, stat, isExcluded, canSkip);
            }

            if (paths.Length >= ParallelFolderSize)
            {
                ParallelLoop.For(0, paths.Length, parallel, StatOne);
            }
            else
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    StatOne(i);
                }
            }
        }
        finally
        {
            LinuxNative.Close(fd);
        }

        var folders = new List<(string Relative, string Full)>();
        for (var i = 0; i < paths.Length; i++)
        {
            if (walk[i])
            {
                folders.Add((paths[i], Path.Join(root, paths[i])));
            }
        }

        return new Listed(result, folders);
    }

    /// <summary>The entry for a stat'ed path (null when .dockerignore excludes it) and whether it is a folder to walk.</summary>
    private static (ContextEntry? Entry, bool Walk) Entry(string root, string rel, FileStat stat, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip)
    {
        var excluded = isExcluded?.Invoke(rel, stat.IsDirectory) ?? false;
        if (stat.IsDirectory)
        {
            if (excluded)
            {
                return (null, !(canSkip?.Invoke(rel) ?? false));
            }

            return (new ContextEntry { Path = rel, Type = EntryType.Directory, Mode = stat.Permissions, Root = root, ModifiedTime = stat.MtimeSeconds, ModifiedTicks = BuildContext.TicksOf(stat) }, true);
        }

        if (excluded)
        {
            return (null, false);
        }

        var type = TypeOf(stat);
        return (new ContextEntry
        {
            Path = rel,
            Type = type,
            Mode = stat.Permissions,
            Size = type == EntryType.File ? stat.Size : 0,
            ModifiedTime = stat.MtimeSeconds,
            ModifiedTicks = BuildContext.TicksOf(stat),
            LinkTarget = type == EntryType.SymbolicLink ? ReadLink(Path.Join(root, rel)) : null,
            HardLinkKey = type == EntryType.File && stat.Nlink > 1 ? $"{stat.DevMajor}:{stat.DevMinor}:{stat.Inode}" : null,
            Root = root,
        }, false);
    }

    private static EntryType TypeOf(FileStat stat) => stat.Format switch
    {
        LinuxNative.SIfLnk => EntryType.SymbolicLink,
        LinuxNative.SIfChr => EntryType.CharDevice,
        LinuxNative.SIfBlk => EntryType.BlockDevice,
        LinuxNative.SIfIfo => EntryType.Fifo,
        _ => EntryType.File,
    };

    private static string ReadLink(string path) =>
        LinuxNative.Readlinkat(LinuxNative.AtFdCwd, path, out var errno)
            ?? throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read the symbolic link '{path}' (errno {errno}).", path);
}
