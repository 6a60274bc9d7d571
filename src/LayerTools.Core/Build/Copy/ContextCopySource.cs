using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Digests;

namespace LayerTools.Core.Build.Copy;

/// <summary>COPY from the build context: files read from disk, digests remembered by size and mtime.</summary>
internal sealed class ContextCopySource : ICopySource
{
    private readonly BuildContext _context;
    private readonly FileHashCache _hashes;
    private readonly Dictionary<string, string> _digests = new(StringComparer.Ordinal);

    public ContextCopySource(BuildContext context, FileHashCache hashes)
    {
        _context = context;
        _hashes = hashes;
    }

    public string Description => "build context";

    /// <summary>Files read so far (for -Verbose and the tests: an unchanged rebuild reads none).</summary>
    public int FilesRead { get; private set; }

    public CopySourceEntry? Get(string path) => _context.Get(path) is { } e ? ToEntry(e) : null;

    public IEnumerable<CopySourceEntry> Under(string directory) => _context.Under(directory).Select(ToEntry);

    public IEnumerable<CopySourceEntry> All => _context.All.Select(ToEntry);

    /// <remarks>
    /// A small buffer: the layer writer's 80 KB reads go straight to the file (a FileStream buffer as
    /// large would be one more 80 KB allocation and copy per file of a 5,000-file context), while a
    /// decompressor's byte-sized reads still come from memory.
    /// </remarks>
    public Stream Open(CopySourceEntry entry) => OpenFile(entry, bufferSize: 4096);

    public string DigestOf(CopySourceEntry entry)
    {
        if (_digests.TryGetValue(entry.Path, out var known))
        {
            return known;
        }

        var scanned = Scanned(entry);
        if (!_hashes.TryGet(entry.Path, scanned.Size, scanned.ModifiedTicks, out var digest))
        {
            // Buffered: the hash reads in 4 KB pieces.
            using var fs = OpenFile(entry, bufferSize: 81920);
            digest = Digest.Of(fs);
            _hashes.Set(entry.Path, scanned.Size, scanned.ModifiedTicks, digest);
        }

        _digests[entry.Path] = digest;
        return digest;
    }

    /// <summary>True when the digest is known without reading the file.</summary>
    /// <remarks>Size and mtime are the context scan's (one statx per file per build): a file changed after the scan is hashed as it is read, and that digest is remembered under the older stat, which no later scan matches.</remarks>
    public bool HasKnownDigest(CopySourceEntry entry)
    {
        if (_digests.ContainsKey(entry.Path))
        {
            return true;
        }

        var scanned = Scanned(entry);
        return _hashes.TryGet(entry.Path, scanned.Size, scanned.ModifiedTicks, out _);
    }

    public void Remember(CopySourceEntry entry, string digest)
    {
        _digests[entry.Path] = digest;
        var scanned = Scanned(entry);
        _hashes.Set(entry.Path, scanned.Size, scanned.ModifiedTicks, digest);
    }

    public void Save() => _hashes.Save();

    private FileStream OpenFile(CopySourceEntry entry, int bufferSize)
    {
        FilesRead++;
        return new FileStream(FullPath(entry), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
    }

    private string FullPath(CopySourceEntry entry) => Scanned(entry).FullPath;

    private ContextEntry Scanned(CopySourceEntry entry) => _context.Get(entry.Path) ?? throw new InvalidOperationException(entry.Path);

    private static CopySourceEntry ToEntry(ContextEntry e) => new()
    {
        Path = e.Path,
        Type = e.Type,
        Mode = e.Mode,
        Size = e.Size,
        ModifiedTime = e.ModifiedTime,
        LinkTarget = e.LinkTarget,
        HardLinkKey = e.HardLinkKey,
    };
}
