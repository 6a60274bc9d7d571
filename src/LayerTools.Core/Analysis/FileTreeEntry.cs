using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// One path of a file tree as a comparison sees it. Paths are clean and relative ("usr/bin/env"), as in
/// layer indexes. The content digest is known up front for store content (it is in the entry index) and
/// asked of the tree (<see cref="IFileTree.Digest"/>) on first use otherwise (a host file, a file a
/// container wrote), so a file whose size already differs is never read. Whiteouts keep their tar names
/// (<c>dir/.wh.name</c>, <c>dir/.wh..wh..opq</c>): a layer's opaque marker shares its directory's path
/// and both must show; directories a layer only implies are left out.
/// </summary>
internal sealed class FileTreeEntry
{
    private readonly Func<string?>? _computeDigest;
    private string? _digest;
    private bool _digestKnown;

    public FileTreeEntry(string path, EntryType type, int mode, int uid, int gid, long size, string? linkTarget, string? digest)
    {
        Path = path;
        Type = type;
        Mode = mode;
        Uid = uid;
        Gid = gid;
        Size = size;
        LinkTarget = linkTarget;
        _digest = digest;
        _digestKnown = true;
    }

    public FileTreeEntry(string path, EntryType type, int mode, int uid, int gid, long size, string? linkTarget, Func<string?> computeDigest)
        : this(path, type, mode, uid, gid, size, linkTarget, digest: null)
    {
        _computeDigest = computeDigest;
        _digestKnown = false;
    }

    public string Path { get; }

    public EntryType Type { get; }

    /// <summary>Permission bits with setuid, setgid and sticky (0o7777).</summary>
    public int Mode { get; }

    public int Uid { get; }

    public int Gid { get; }

    /// <summary>Bytes of content: regular files (and hard links, which share their target's); 0 otherwise.</summary>
    public long Size { get; }

    public string? LinkTarget { get; }

    /// <summary>Device numbers of a character or block device; 0 otherwise.</summary>
    public (int Major, int Minor) Device { get; init; }

    /// <summary>True when the digest has been computed (or was known from the start).</summary>
    public bool DigestKnown => _digestKnown;

    /// <summary>sha256 of the content, for regular files and hard links; null for anything else.</summary>
    public string? Digest
    {
        get
        {
            if (!_digestKnown)
            {
                _digest = _computeDigest!();
                _digestKnown = true;
            }

            return _digest;
        }
    }

    /// <summary>Every path of <paramref name="tree"/> but the root, walked once (links listed, never followed).</summary>
    public static IEnumerable<FileTreeEntry> Of(IFileTree tree, CancellationToken cancellationToken = default)
    {
        foreach (var f in FileTrees.Walk(tree, string.Empty, cancellationToken))
        {
            var path = IsClean(f.Path) ? f.Path[1..] : TarPath.Normalize(f.Path);
            if (path.Length == 0 || f.Implied)
            {
                continue;
            }

            var size = f.Type is EntryType.File or EntryType.HardLink ? f.Size : 0;
            if (f.Type == EntryType.Whiteout)
            {
                yield return new FileTreeEntry(Whiteout.For(path), f.Type, 0, 0, 0, 0, null, digest: null);
            }
            else if (f.Type == EntryType.OpaqueWhiteout)
            {
                yield return new FileTreeEntry(Whiteout.OpaqueFor(path), f.Type, 0, 0, 0, 0, null, digest: null);
            }
            else if (f.Digest is null && f.Type is EntryType.File or EntryType.HardLink)
            {
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, () => tree.Digest(path)) { Device = f.Device };
            }
            else
            {
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, f.Digest) { Device = f.Device };
            }
        }
    }

    /// <summary>
    /// <paramref name="entries"/> of <paramref name="tree"/> as the directory <paramref name="at"/> ("app") of
    /// another tree: the tree's root first, as that directory, then every entry beneath it (digests still computed on first need).
    /// </summary>
    public static IEnumerable<FileTreeEntry> Mounted(IFileTree tree, string at, IEnumerable<FileTreeEntry> entries)
    {
        if (at.Length == 0)
        {
            foreach (var e in entries)
            {
                yield return e;
            }

            yield break;
        }

        if (tree.Item(string.Empty) is { } root)
        {
            yield return new FileTreeEntry(at, root.Type, root.Mode & 0xFFF, root.Uid, root.Gid, 0, root.LinkTarget, digest: null);
        }

        foreach (var e in entries)
        {
            var path = at + "/" + e.Path;
            yield return e.DigestKnown
                ? new FileTreeEntry(path, e.Type, e.Mode, e.Uid, e.Gid, e.Size, e.LinkTarget, e.Digest) { Device = e.Device }
                : new FileTreeEntry(path, e.Type, e.Mode, e.Uid, e.Gid, e.Size, e.LinkTarget, () => e.Digest) { Device = e.Device };
        }
    }

    /// <summary>True for "/a/b" with no empty, "." or ".." part (what every file tree makes): it needs no normalizing. A name that begins with a dot takes the slow way.</summary>
    private static bool IsClean(string path) =>
        path.Length > 1 && path[0] == '/' && path[^1] != '/' && path.IndexOf('\0') < 0
        && !path.Contains("//", StringComparison.Ordinal) && !path.Contains("/.", StringComparison.Ordinal);
}
