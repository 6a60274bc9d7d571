using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// One path of a file tree as a comparison sees it. Paths are clean and relative ("usr/bin/env"), as in
/// layer indexes. The content digest is known up front for store content (it is in the entry index) and
/// computed on first use for host files, so a file whose size already differs is never read.
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

    /// <summary>A layer entry as it stands, whiteouts included.</summary>
    public static FileTreeEntry From(LayerEntry e) =>
        new(e.Path, e.Type, e.Mode & 0xFFF, e.Uid, e.Gid, e.Type is EntryType.File or EntryType.HardLink ? e.Size : 0, e.LinkTarget, e.Digest)
        {
            Device = (e.DevMajor, e.DevMinor),
        };
}
