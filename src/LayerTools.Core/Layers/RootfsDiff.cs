using System.Security.Cryptography;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// The fallback when overlayfs is not available: the command runs in a copied root file system,
/// and its changes are found by comparing the tree after the run with the tree before it.
/// <see cref="Capture"/> records each path's inode and change time right after extraction (a stat
/// walk, no reading); after the run a path whose inode and ctime are unchanged is unchanged (ctime
/// cannot be set from user space); any other is compared by type, mode, owner, link target, size
/// and content digest with what the layers below say, so a rewrite with the same bytes is not a
/// change, and a directory whose only change is its mtime is not one. Paths gone after the run become whiteouts (one for a deleted directory, not one per
/// child). The layer written is the same kind of tar as <see cref="OverlayDiff"/> writes.
/// </summary>
internal static class RootfsDiff
{
    public static Dictionary<string, FileStat> Capture(string rootDirectory)
    {
        var before = new Dictionary<string, FileStat>(StringComparer.Ordinal);
        HostTree.Walk(rootDirectory, (path, stat, _) =>
        {
            before[path] = stat;
            return true;
        });
        return before;
    }

    public static List<HostChange> Collect(string rootDirectory, IReadOnlyDictionary<string, FileStat> before, ILowerView lower)
    {
        var records = new List<HostChange>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var byPath = new Dictionary<string, HostChange>(StringComparer.Ordinal);
        var changed = new List<string>();
        HostTree.Walk(rootDirectory, (path, stat, host) =>
        {
            if (stat.Format == LinuxNative.SIfSock)
            {
                return false;
            }

            seen.Add(path);
            var record = OverlayDiff.FromStat(path, stat, host, HostTree.Xattrs(host));
            byPath[path] = record;
            if (!before.TryGetValue(path, out var old) || IsChanged(old, stat, record, lower.Lookup(path)))
            {
                changed.Add(path);
            }

            return true;
        });

        var emitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in changed)
        {
            // The path and its parent directories, as they are now.
            for (var p = path; p.Length > 0 && emitted.Add(p); p = TarPath.Parent(p))
            {
                records.Add(byPath[p]);
            }
        }

        foreach (var (path, stat) in before)
        {
            if (seen.Contains(path))
            {
                continue;
            }

            var parent = TarPath.Parent(path);
            if (parent.Length > 0 && !seen.Contains(parent))
            {
                continue; // its parent is gone too: one whiteout covers both
            }

            records.Add(new HostChange { Path = path, Type = EntryType.Whiteout, Stat = stat });
            for (var p = parent; p.Length > 0 && emitted.Add(p); p = TarPath.Parent(p))
            {
                records.Add(byPath[p]);
            }
        }

        return records;
    }

    public static void Write(string rootDirectory, IReadOnlyDictionary<string, FileStat> before, ILowerView lower, LayerTarWriter writer, CancellationToken cancellationToken = default) =>
        ChangeTarWriter.Write(Collect(rootDirectory, before, lower), writer, cancellationToken);

    private static bool IsChanged(FileStat old, FileStat now, HostChange record, LayerEntry? lower)
    {
        if (old.Inode == now.Inode && old.CtimeSeconds == now.CtimeSeconds && old.CtimeNanoseconds == now.CtimeNanoseconds)
        {
            return false;
        }

        if (old.Format != now.Format || old.Permissions != now.Permissions || old.Uid != now.Uid || old.Gid != now.Gid)
        {
            return true;
        }

        if (now.IsDirectory)
        {
            // A directory whose only change is its mtime changed because of its children, which
            // carry it into the layer as their parent when they changed themselves.
            return false;
        }

        if (old.MtimeSeconds != now.MtimeSeconds)
        {
            return true;
        }

        if (now.IsSymlink)
        {
            return lower?.LinkTarget is null || lower.LinkTarget != record.LinkTarget;
        }

        if (now.IsRegular)
        {
            if (old.Size != now.Size || lower?.Digest is null || record.HostPath is null)
            {
                return true;
            }

            using var data = HostTree.OpenRead(record.HostPath);
            return Digest.FromHash(SHA256.HashData(data)) != lower.Digest;
        }

        return old.RdevMajor != now.RdevMajor || old.RdevMinor != now.RdevMinor;
    }
}
