using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Context;

/// <summary>
/// The build context: the files under the context folder that .dockerignore lets through, listed
/// once by metadata. Files are read only when a COPY needs them (and hashed as they are read);
/// excluded files are never read, and excluded folders that no exception can reach are not walked.
/// </summary>
internal sealed class BuildContext
{
    private readonly Dictionary<string, ContextEntry> _entries;
    private ContextEntry[]? _sorted;

    private BuildContext(string root, Dictionary<string, ContextEntry> entries)
    {
        Root = root;
        _entries = entries;
    }

    public string Root { get; }

    public int Count => _entries.Count;

    /// <param name="root">The context folder.</param>
    /// <param name="isExcluded">(relative path, is directory) → excluded by .dockerignore.</param>
    /// <param name="canSkipDirectory">relative directory → nothing under it can be re-included, so it need not be walked.</param>
    public static BuildContext Scan(string root, Func<string, bool, bool>? isExcluded = null, Func<string, bool>? canSkipDirectory = null, CancellationToken cancellationToken = default)
    {
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            throw new LayerToolsException("ContextNotFound", ErrorKind.ObjectNotFound, $"The build context '{root}' {(File.Exists(root) ? "is a file, not a folder" : "does not exist")}.", root);
        }

        var entries = new Dictionary<string, ContextEntry>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux())
        {
            var rootInfo = new DirectoryInfo(root);
            entries[string.Empty] = new ContextEntry { Path = string.Empty, Type = EntryType.Directory, Mode = ModeOf(rootInfo, 0x1ED), Root = root, ModifiedTime = Seconds(rootInfo), ModifiedTicks = rootInfo.LastWriteTimeUtc.Ticks };
            Walk(rootInfo, root, string.Empty, entries, isExcluded, canSkipDirectory, cancellationToken);
            return new BuildContext(root, entries);
        }

        var rootStat = StatOf(root);
        entries[string.Empty] = new ContextEntry { Path = string.Empty, Type = EntryType.Directory, Mode = rootStat.Permissions, Root = root, ModifiedTime = rootStat.MtimeSeconds, ModifiedTicks = TicksOf(rootStat) };
        ContextScan.Walk(root, entries, isExcluded, canSkipDirectory, cancellationToken);
        return new BuildContext(root, entries);
    }

    public ContextEntry? Get(string relativePath) => _entries.TryGetValue(relativePath, out var e) ? e : null;

    /// <summary>Every entry, in no particular order.</summary>
    public IEnumerable<ContextEntry> Entries => _entries.Values;

    /// <summary>Every entry, in ordinal path order.</summary>
    public IEnumerable<ContextEntry> All => Sorted;

    /// <summary>Entries under <paramref name="directory"/> (not itself), in ordinal path order.</summary>
    /// <remarks>The paths that start with "directory/" are one run of the sorted entries: found by two binary searches, not by a filter and a sort of all of them.</remarks>
    public IEnumerable<ContextEntry> Under(string directory)
    {
        var sorted = Sorted;
        if (directory.Length == 0)
        {
            var skipRoot = sorted.Length > 0 && sorted[0].Path.Length == 0 ? 1 : 0;
            return new ArraySegment<ContextEntry>(sorted, skipRoot, sorted.Length - skipRoot);
        }

        var prefix = directory + "/";
        var start = FirstAtOrAfter(sorted, prefix);
        var end = start;
        while (end < sorted.Length && sorted[end].Path.StartsWith(prefix, StringComparison.Ordinal))
        {
            end++;
        }

        return new ArraySegment<ContextEntry>(sorted, start, end - start);
    }

    /// <summary>The entries sorted by path once (the root, "", first), for <see cref="All"/> and <see cref="Under"/>.</summary>
    private ContextEntry[] Sorted
    {
        get
        {
            Sort();
            return _sorted!;
        }
    }

    /// <summary>Sorts the entries by path, when not done yet (it only reads them: it may run beside a reader of the entries, never beside another call).</summary>
    public void Sort()
    {
        if (_sorted is null)
        {
            var sorted = _entries.Values.ToArray();
            Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Path, b.Path));
            _sorted = sorted;
        }
    }

    private static int FirstAtOrAfter(ContextEntry[] sorted, string path)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (string.CompareOrdinal(sorted[mid].Path, path) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static void Walk(DirectoryInfo dir, string rootPath, string relative, Dictionary<string, ContextEntry> entries, Func<string, bool, bool>? isExcluded, Func<string, bool>? canSkip, CancellationToken ct)
    {
        foreach (var info in dir.EnumerateFileSystemInfos())
        {
            ct.ThrowIfCancellationRequested();
            var rel = TarPath.Join(relative, info.Name);
            var isLink = info.LinkTarget is not null;
            var isDir = !isLink && info is DirectoryInfo;
            var excluded = isExcluded?.Invoke(rel, isDir) ?? false;
            if (isDir)
            {
                if (excluded && (canSkip?.Invoke(rel) ?? false))
                {
                    continue;
                }

                if (!excluded)
                {
                    entries[rel] = new ContextEntry { Path = rel, Type = EntryType.Directory, Mode = ModeOf(info, 0x1ED), Root = rootPath, ModifiedTime = Seconds(info), ModifiedTicks = info.LastWriteTimeUtc.Ticks };
                }

                Walk((DirectoryInfo)info, rootPath, rel, entries, isExcluded, canSkip, ct);
                continue;
            }

            if (excluded)
            {
                continue;
            }

            var type = isLink ? EntryType.SymbolicLink : FileTypeOf(info);
            entries[rel] = new ContextEntry
            {
                Path = rel,
                Type = type,
                Mode = ModeOf(info, type == EntryType.SymbolicLink ? 0x1FF : 0x1A4),
                Size = type == EntryType.File ? ((FileInfo)info).Length : 0,
                ModifiedTime = Seconds(info),
                ModifiedTicks = info.LastWriteTimeUtc.Ticks,
                LinkTarget = isLink ? info.LinkTarget : null,
                Root = rootPath,
            };
        }
    }

    /// <summary>lstat of a context path (statx, links not followed).</summary>
    internal static FileStat StatOf(string path) =>
        LinuxNative.Stat(LinuxNative.AtFdCwd, path, LinuxNative.AtSymlinkNoFollow, out var errno)
            ?? throw new LayerToolsException("HostFileUnreadable", ErrorKind.ReadError, $"Cannot read the status of '{path}' (errno {errno}). Check that it exists and is readable.", path);

    /// <summary>The modification time in DateTime ticks (100 ns, UTC), as FileInfo.LastWriteTimeUtc.Ticks gives it.</summary>
    internal static long TicksOf(FileStat stat) => DateTime.UnixEpoch.Ticks + (stat.MtimeSeconds * TimeSpan.TicksPerSecond) + (stat.MtimeNanoseconds / 100);

    private static EntryType FileTypeOf(FileSystemInfo info)
    {
        if (!OperatingSystem.IsWindows() && (info.Attributes & FileAttributes.Device) != 0)
        {
            return EntryType.CharDevice;
        }

        return EntryType.File;
    }

    private static long Seconds(FileSystemInfo info) => new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds();

    private static int ModeOf(FileSystemInfo info, int fallback)
    {
        if (OperatingSystem.IsWindows())
        {
            return info is DirectoryInfo ? 0x1ED : ((info.Attributes & FileAttributes.ReadOnly) != 0 ? 0x124 : fallback);
        }

        return (int)info.UnixFileMode;
    }
}
