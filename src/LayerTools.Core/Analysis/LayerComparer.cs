using System.Globalization;
using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// Compare-Layer: the paths that differ between two file trees (<see cref="IFileTree"/>: images, layers,
/// containers, host folders), from their indexes. Both sides are
/// listed once and sorted by ordinal path, then walked together (a merge), so the work is
/// O(n log n) in the number of paths and no content is read when digests are known (store content
/// always; host files only when a file of the same size is on the other side).
/// <para>
/// Rules. A path on one side only is Added or Removed. A path whose kind differs (file, directory,
/// symlink, device, fifo, whiteout) is TypeChanged; a hard link counts as a file, compared by the
/// content it shares. Otherwise files compare by size and digest (Content), devices by their
/// major and minor numbers (Device, counted as content), and every kind by
/// permission bits and owner (Mode, Uid, Gid) and symlinks by target text (LinkTarget). Symlink
/// permission bits are not compared (Linux ignores them), nor are modification times. The root
/// directory itself is not compared. -Property Content keeps the Content difference only, Metadata
/// keeps mode, owner and link target, All keeps both; a path with nothing kept is not reported, but
/// Added, Removed and TypeChanged always are. A change with content (or device) differences is Modified, with
/// metadata differences only MetadataChanged.
/// </para>
/// <para>
/// Two single layers (<see cref="LayerFileTree"/>) compare as what each holds, the difference as the
/// change it makes on top of the reference: a path the difference layer holds is Added or compared; a
/// path only the reference layer holds is Removed when the difference layer hides it (a whiteout of it
/// or of a parent, an opaque parent, a parent replaced by a non-directory, see <see cref="LayerHiding"/>)
/// and not reported otherwise, since the layer never touched it. Whiteouts are entries like any other.
/// </para>
/// <para>
/// A host folder (<see cref="HostFolderTree"/>) given a directory to stand for ("/app": Compare-Layer's
/// -Path when it names one directory, no wildcard) is compared as that directory of the other side: its
/// root with /app and its files with the files beneath it (an image against the folder it was built from).
/// </para>
/// </summary>
internal static class LayerComparer
{
    private const ChangeDetails MetadataDetails = ChangeDetails.Mode | ChangeDetails.Uid | ChangeDetails.Gid | ChangeDetails.LinkTarget;

    /// <summary>The differences, ordered by path.</summary>
    /// <param name="path">An optional wildcard (see <see cref="PathWildcard"/>) selecting the paths to report.</param>
    /// <param name="folderAt">The directory ("/app") a host folder side stands for (Compare-Layer gives its -Path when that names one directory); null for the root.</param>
    public static IReadOnlyList<LayerChange> Compare(IFileTree reference, IFileTree difference, CompareProperty property = CompareProperty.All, string? path = null, CancellationToken cancellationToken = default, string? folderAt = null)
    {
        var wildcard = string.IsNullOrEmpty(path) ? null : new PathWildcard(path);
        return Compare(reference, difference, property, wildcard is null ? null : wildcard.IsMatch, folderAt, cancellationToken);
    }

    /// <summary>The differences, ordered by path; <paramref name="pathFilter"/> sees absolute paths ("/etc/hosts").</summary>
    /// <param name="folderAt">The directory ("/app") a host folder side stands for; null for the root.</param>
    public static IReadOnlyList<LayerChange> Compare(IFileTree reference, IFileTree difference, CompareProperty property, Func<string, bool>? pathFilter, string? folderAt = null, CancellationToken cancellationToken = default)
    {
        var left = Sorted(reference, folderAt, cancellationToken);
        var right = Sorted(difference, folderAt, cancellationToken);
        var hiding = reference is LayerFileTree && difference is LayerFileTree ? new LayerHiding(right) : null;
        var keep = property switch
        {
            CompareProperty.Content => ChangeDetails.Content,
            CompareProperty.Metadata => MetadataDetails,
            _ => ChangeDetails.Content | MetadataDetails,
        };

        var changes = new List<LayerChange>();
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var order = i == left.Count ? 1 : j == right.Count ? -1 : string.CompareOrdinal(left[i].Path, right[j].Path);
            var a = order <= 0 ? left[i++] : null;
            var b = order >= 0 ? right[j++] : null;
            var display = "/" + (a ?? b)!.Path;
            if (pathFilter is not null && !pathFilter(display))
            {
                continue;
            }

            string? hiddenBy = null;
            if (hiding is not null && b is null && (hiddenBy = hiding.Hides(a!.Path)) is null)
            {
                continue;
            }

            var change = Diff(a, b, keep, display, reference.Label, difference.Label, hiddenBy);
            if (change is not null)
            {
                changes.Add(change);
            }
        }

        return changes;
    }

    private static List<FileTreeEntry> Sorted(IFileTree tree, string? folderAt, CancellationToken cancellationToken)
    {
        var entries = FileTreeEntry.Of(tree, cancellationToken);
        if (tree is HostFolderTree && folderAt is not null)
        {
            entries = FileTreeEntry.Mounted(tree, TarPath.Normalize(folderAt), entries);
        }

        // Stable sort, then keep the last entry of a path, as the last tar entry wins.
        var sorted = entries.Where(e => e.Path.Length > 0).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        var unique = new List<FileTreeEntry>(sorted.Count);
        foreach (var e in sorted)
        {
            if (unique.Count > 0 && unique[^1].Path == e.Path)
            {
                unique[^1] = e;
            }
            else
            {
                unique.Add(e);
            }
        }

        return unique;
    }

    private static LayerChange? Diff(FileTreeEntry? a, FileTreeEntry? b, ChangeDetails keep, string display, string referenceName, string differenceName, string? hiddenBy)
    {
        if (a is null || b is null)
        {
            var only = (a ?? b)!;
            var said = TypeName(only.Type) + (a is null ? " added" : " removed") + (hiddenBy is null ? string.Empty : $" ({hiddenBy})");
            return Change(display, a is null ? LayerChangeKind.Added : LayerChangeKind.Removed, a, b, ChangeDetails.None, said, referenceName, differenceName);
        }

        var ta = Kind(a.Type);
        var tb = Kind(b.Type);
        if (ta != tb)
        {
            return Change(display, LayerChangeKind.TypeChanged, a, b, ChangeDetails.Type, $"{TypeName(a.Type)} → {TypeName(b.Type)}", referenceName, differenceName);
        }

        var details = ChangeDetails.None;
        var text = new List<string>();
        if ((keep & ChangeDetails.Content) != 0 && ta == EntryType.File && ContentDiffers(a, b))
        {
            details |= ChangeDetails.Content;
            text.Add(a.Size == b.Size
                ? $"content {Short(a.Digest)} → {Short(b.Digest)}"
                : string.Create(CultureInfo.InvariantCulture, $"content {a.Size} → {b.Size} bytes"));
        }

        if ((keep & ChangeDetails.Content) != 0 && ta is EntryType.CharDevice or EntryType.BlockDevice && a.Device != b.Device)
        {
            details |= ChangeDetails.Device;
            text.Add(string.Create(CultureInfo.InvariantCulture, $"device {a.Device.Major},{a.Device.Minor} → {b.Device.Major},{b.Device.Minor}"));
        }

        if ((keep & ChangeDetails.Mode) != 0 && ta != EntryType.SymbolicLink && ta != EntryType.Whiteout && ta != EntryType.OpaqueWhiteout && a.Mode != b.Mode)
        {
            details |= ChangeDetails.Mode;
            text.Add($"mode {UnixMode.Format(a.Type, a.Mode)} → {UnixMode.Format(b.Type, b.Mode)}");
        }

        if ((keep & ChangeDetails.Uid) != 0 && a.Uid != b.Uid)
        {
            details |= ChangeDetails.Uid;
            text.Add(string.Create(CultureInfo.InvariantCulture, $"uid {a.Uid} → {b.Uid}"));
        }

        if ((keep & ChangeDetails.Gid) != 0 && a.Gid != b.Gid)
        {
            details |= ChangeDetails.Gid;
            text.Add(string.Create(CultureInfo.InvariantCulture, $"gid {a.Gid} → {b.Gid}"));
        }

        if ((keep & ChangeDetails.LinkTarget) != 0 && ta == EntryType.SymbolicLink && !string.Equals(a.LinkTarget, b.LinkTarget, StringComparison.Ordinal))
        {
            details |= ChangeDetails.LinkTarget;
            text.Add($"link target {a.LinkTarget} → {b.LinkTarget}");
        }

        if (details == ChangeDetails.None)
        {
            return null;
        }

        var kind = (details & (ChangeDetails.Content | ChangeDetails.Device)) != 0 ? LayerChangeKind.Modified : LayerChangeKind.MetadataChanged;
        return Change(display, kind, a, b, details, string.Join(", ", text), referenceName, differenceName);
    }

    private static bool ContentDiffers(FileTreeEntry a, FileTreeEntry b)
    {
        if (a.Size != b.Size)
        {
            return true;
        }

        // Same size: the digests decide (the index has them; a host file is hashed now, once).
        return !string.Equals(a.Digest, b.Digest, StringComparison.Ordinal);
    }

    private static LayerChange Change(string path, LayerChangeKind kind, FileTreeEntry? a, FileTreeEntry? b, ChangeDetails details, string description, string referenceName, string differenceName) => new()
    {
        Path = path,
        Change = kind,
        ReferenceSize = a?.Size,
        DifferenceSize = b?.Size,
        ReferenceType = a?.Type,
        DifferenceType = b?.Type,
        Details = details,
        Description = description,
        Reference = referenceName,
        Difference = differenceName,
    };

    /// <summary>The kind a comparison sees: a hard link is the file it shares content with.</summary>
    private static EntryType Kind(EntryType type) => type == EntryType.HardLink ? EntryType.File : type;

    private static string TypeName(EntryType type) => type switch
    {
        EntryType.File => "file",
        EntryType.Directory => "directory",
        EntryType.SymbolicLink => "symlink",
        EntryType.HardLink => "hard link",
        EntryType.CharDevice => "character device",
        EntryType.BlockDevice => "block device",
        EntryType.Fifo => "fifo",
        EntryType.Whiteout => "whiteout",
        EntryType.OpaqueWhiteout => "opaque whiteout",
        _ => type.ToString(),
    };

    private static string Short(string? digest) => digest is not null && Digest.IsValid(digest) ? Digest.Sha256Prefix + Digest.Short(digest) : digest ?? "?";
}
