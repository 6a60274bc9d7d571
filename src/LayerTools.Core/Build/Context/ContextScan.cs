using System.IO.Enumeration;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Context;

/// <summary>
/// Lists a build context on Linux with one statx per entry and nothing more (a readlink for a
/// symbolic link): the tree is walked a level at a time, the names of a level's folders listed and
/// the entries stat'ed on all cores, then .dockerignore applied in path order. A no-op rebuild costs
/// little more than these stat calls.
/// </summary>
internal static class ContextScan
{
    /// <summary>A folder with this many entries is stat'ed on all cores by itself (smaller ones are, a level's folders side by side).</summary>
    private const int ParallelFolderSize = 2048;

    /// <summary>Folders of a level listed and stat'ed side by side before their entries are taken.</summary>
    private const int FoldersAtOnce = 8;

    private static readonly EnumerationOptions NamesOnly = new() { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };

    public static void Walk(string root, Dictionary<string, ContextEntry> entries, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip, CancellationToken ct)
    {
        var parallel = new ParallelOptions { CancellationToken = ct };
        var level = new List<(string Relative, string Full)> { (string.Empty, root) };
        while (level.Count > 0)
        {
            // Each folder of this level: its names (getdents), then one statx each relative to the
            // folder's descriptor (no path walk from the root); folders and their entries on all cores.
            // A few folders at a time (in order): a level's statx results are not all held at once
            // (50,000 of them outlived a collection or two and grew the heap by ~10 MB).
            var next = new List<(string Relative, string Full)>();
            for (var first = 0; first < level.Count; first += FoldersAtOnce)
            {
                var count = Math.Min(FoldersAtOnce, level.Count - first);
                var listed = new (string Relative, FileStat Stat)[count][];
                Parallel.For(0, count, parallel, i => listed[i] = ListAndStat(level[first + i].Relative, level[first + i].Full, parallel));
                Add(root, entries, isExcluded, canSkip, listed, next, ct);
            }

            level = next;
        }
    }

    private static void Add(string root, Dictionary<string, ContextEntry> entries, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip, (string Relative, FileStat Stat)[][] listed, List<(string Relative, string Full)> next, CancellationToken ct)
    {
        foreach (var (rel, stat) in listed.SelectMany(l => l))
        {
            ct.ThrowIfCancellationRequested();
            var excluded = isExcluded?.Invoke(rel, stat.IsDirectory) ?? false;
            if (stat.IsDirectory)
            {
                if (excluded && (canSkip?.Invoke(rel) ?? false))
                {
                    continue;
                }

                if (!excluded)
                {
                    entries[rel] = new ContextEntry { Path = rel, Type = EntryType.Directory, Mode = stat.Permissions, Root = root, ModifiedTime = stat.MtimeSeconds, ModifiedTicks = BuildContext.TicksOf(stat) };
                }

                next.Add((rel, Path.Join(root, rel)));
                continue;
            }

            if (excluded)
            {
                continue;
            }

            var type = TypeOf(stat);
            entries[rel] = new ContextEntry
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
            };
        }
    }

    private static (string Relative, FileStat Stat)[] ListAndStat(string relative, string full, ParallelOptions parallel)
    {
        var names = new FileSystemEnumerable<string>(full, (ref FileSystemEntry e) => e.FileName.ToString(), NamesOnly).ToArray();
        var result = new (string Relative, FileStat Stat)[names.Length];
        if (names.Length == 0)
        {
            return result;
        }

        var fd = LinuxNative.Openat(LinuxNative.AtFdCwd, full, LinuxNative.ORdOnly | LinuxNative.ODirectory | LinuxNative.ONoFollow);
        if (fd < 0)
        {
            throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot open the folder '{full}' (errno {-fd}). Check that it exists and is readable.", full);
        }

        try
        {
            void StatOne(int i)
            {
                var name = names[i];
                var stat = LinuxNative.Stat(fd, name, LinuxNative.AtSymlinkNoFollow, out var errno)
                    ?? throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read the status of '{Path.Join(full, name)}' (errno {errno}). Check that it exists and is readable.", Path.Join(full, name));
                result[i] = (TarPath.Join(relative, name), stat);
            }

            if (names.Length >= ParallelFolderSize)
            {
                Parallel.For(0, names.Length, parallel, StatOne);
            }
            else
            {
                for (var i = 0; i < names.Length; i++)
                {
                    StatOne(i);
                }
            }
        }
        finally
        {
            LinuxNative.Close(fd);
        }

        return result;
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
