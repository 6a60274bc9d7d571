using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Store;

/// <summary>
/// The collector's side of <see cref="Lease"/>s, always under the store lock: which digests live
/// leases hold, and the reclaiming of what dead ones left (their records and their scratch folder in
/// layertools/tmp/, with any RUN container still running there and any mount still on it).
/// </summary>
internal static class LeaseSweeper
{
    public const string LockSuffix = ".lock";
    public const string HeldSuffix = ".held";
    public const string NewSuffix = ".new";

    /// <summary>In a scratch folder: the paths outside the store the operation writes (<see cref="Lease.OwnedPathBeside"/>).</summary>
    public const string OutsideRecord = "outside";

    /// <summary>Any other file in leases/ (none this version makes) is left this long before it counts as abandoned.</summary>
    private static readonly TimeSpan NewGrace = TimeSpan.FromMinutes(1);

    public static string LeasesDir(LayerStore store) => Path.Combine(store.DataDir, "leases");

    public static string LockPath(LayerStore store, string id) => Path.Combine(LeasesDir(store), id + LockSuffix);

    public static string HeldPath(LayerStore store, string id) => Path.Combine(LeasesDir(store), id + HeldSuffix);

    /// <summary>
    /// Reclaims every dead lease and returns the digests the live ones hold. The caller holds the
    /// store lock, so no live lease can add a digest it then finds present until the caller is done.
    /// </summary>
    public static HashSet<string> LiveHolds(LayerStore store)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in Sweep(store))
        {
            try
            {
                foreach (var line in File.ReadLines(HeldPath(store, id)))
                {
                    if (Digest.IsValid(line))
                    {
                        held.Add(line);
                    }
                }
            }
            catch (FileNotFoundException)
            {
                // The lease holds nothing yet, or was released meanwhile.
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return held;
    }

    /// <summary>
    /// Reclaims what dead leases left (their records, their scratch folders) and returns the ids of
    /// the live ones. The caller holds the store lock.
    /// </summary>
    public static IReadOnlyList<string> Sweep(LayerStore store)
    {
        var live = new List<string>();
        var dir = LeasesDir(store);
        if (Directory.Exists(dir))
        {
            foreach (var file in new DirectoryInfo(dir).EnumerateFiles())
            {
                var id = Path.GetFileNameWithoutExtension(file.Name);
                if (file.Name.EndsWith(LockSuffix, StringComparison.Ordinal))
                {
                    if (IsLive(store, id))
                    {
                        live.Add(id);
                    }
                }
                else if (file.Name.EndsWith(HeldSuffix, StringComparison.Ordinal))
                {
                    // Released leases delete this first, so one without its lock file is a leftover.
                    if (!File.Exists(LockPath(store, id)))
                    {
                        AtomicFile.TryDelete(file.FullName);
                    }
                }
                else if (file.Name.EndsWith(NewSuffix, StringComparison.Ordinal))
                {
                    // A lease being made is locked before it is named: one whose lock can be taken was
                    // left by a killed process (or is an instant old: its maker then tries another name).
                    if (IsAbandoned(file.FullName))
                    {
                        AtomicFile.TryDelete(file.FullName);
                    }
                }
                else if (file.LastWriteTimeUtc < DateTime.UtcNow - NewGrace)
                {
                    AtomicFile.TryDelete(file.FullName);
                }
            }
        }

        // A scratch folder named by a lease id belongs to that lease: gone with it when it is dead. A
        // temporary file named by its writer process (AtomicFile) goes when that process is gone.
        if (Directory.Exists(store.TmpDir))
        {
            foreach (var entry in new DirectoryInfo(store.TmpDir).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo scratch && IsLeaseId(scratch.Name) && !live.Contains(scratch.Name) && !File.Exists(LockPath(store, scratch.Name)))
                {
                    RemoveScratch(scratch.FullName);
                }
                else if (entry is FileInfo file && ProcessIdentity.TokenIn(file.Name) is { } writer && !ProcessIdentity.IsAlive(writer))
                {
                    AtomicFile.TryDelete(file.FullName);
                }
            }
        }

        return live;
    }

    /// <summary>True when no process holds the file's lock (the probe lets go at once).</summary>
    private static bool IsAbandoned(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Locked, gone, or another user's: not ours to remove.
            return false;
        }
    }

    /// <summary>True while the lease's owner runs; a dead lease is reclaimed on the spot.</summary>
    private static bool IsLive(LayerStore store, string id)
    {
        var lockPath = LockPath(store, id);
        FileStream probe;
        try
        {
            probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            // Locked: its owner is running.
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's lease in a shared store: only its owner (or the lease's end) releases it.
            return true;
        }

        using (probe)
        {
            RemoveScratch(Path.Combine(store.TmpDir, id));
            AtomicFile.TryDelete(HeldPath(store, id));
            AtomicFile.TryDelete(lockPath);
        }

        return false;
    }

    /// <summary>Deletes the files a dead operation wrote outside the store, each only if its name carries the lease's id.</summary>
    private static void RemoveOutside(string dir)
    {
        var record = Path.Combine(dir, OutsideRecord);
        if (!File.Exists(record))
        {
            return;
        }

        var marker = ".layertools-" + Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)) + ".tmp";
        foreach (var path in File.ReadLines(record))
        {
            if (!Path.IsPathFullyQualified(path) || !Path.GetFileName(path).EndsWith(marker, StringComparison.Ordinal))
            {
                continue;
            }

            if (Directory.Exists(path))
            {
                RemoveScratch(path, dead: false);
            }
            else
            {
                AtomicFile.TryDelete(path);
            }
        }
    }

    public static bool IsLeaseId(string name) => name.Length == 32 && name.All(char.IsAsciiHexDigitLower);

    /// <summary>
    /// Removes an operation's scratch folder: first what still runs or is mounted there (a RUN's
    /// container, its overlay), then the files, never following a link or crossing a mount point.
    /// </summary>
    /// <param name="dead">True for a dead owner's folder; false when its live owner, which stopped what it started, removes it.</param>
    public static void RemoveScratch(string dir, bool dead = true)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }

        if (dead && OperatingSystem.IsLinux())
        {
            ScratchReclaimer.StopWhatRunsIn(dir);
            ScratchReclaimer.UnmountUnder(dir);
        }

        if (dead)
        {
            RemoveOutside(dir);
        }

        HostFolders.TryRemove(new DirectoryInfo(dir));
    }
}
