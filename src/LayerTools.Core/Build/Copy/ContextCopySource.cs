using LayerTools.Core.Build.Context;
using LayerTools.Core.Digests;

namespace LayerTools.Core.Build.Copy;

/// <summary>COPY from the build context: files read from disk, digests remembered by size and mtime.</summary>
internal sealed class ContextCopySource : ICopySource
{
    private readonly BuildContext _context;
    private readonly FileHashCache _hashes;

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
    /// A small buffer: the layer writer reads a file in chunks as large as its own buffer, straight from
    /// the file (a FileStream buffer of 80 KB per file was 4 GB of garbage for a 50,000-file COPY),
    /// while a decompressor's byte-sized reads (ADD of a local archive) still come from memory.
    /// </remarks>
    public Stream Open(CopySourceEntry entry) => Open(entry, bufferSize: 4096);

    private FileStream Open(CopySourceEntry entry, int bufferSize)
    {
        FilesRead++;
        return new FileStream(FullPath(entry), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
    }

    public string DigestOf(CopySourceEntry entry)
    {
        var scanned = Scanned(entry);
        if (!FileHashCache.TryGet(scanned, out var digest))
        {
            // Buffered: the hash reads in small chunks.
            using var fs = Open(entry, bufferSize: 81920);
            digest = Digest.Of(fs);
            _hashes.Set(scanned, digest);
        }

        return digest;
    }

    /// <summary>True when the digest is known without reading the file.</summary>
    /// <remarks>Size and mtime are the context scan's (one statx per file per build): a file changed after the scan is hashed as it is read, and that digest is remembered under the older stat, which no later scan matches.</remarks>
    public bool HasKnownDigest(CopySourceEntry entry) => FileHashCache.IsKnown(Scanned(entry));

    public string Remember(CopySourceEntry entry, string digest) => _hashes.Set(Scanned(entry), digest);

    public void Save() => _hashes.Save();

    private string FullPath(CopySourceEntry entry) => Scanned(entry).FullPath;

    private ContextEntry Scanned(CopySourceEntry entry) => entry.Scanned ?? _context.Get(entry.Path) ?? throw new InvalidOperationException(entry.Path);

    private static CopySourceEntry ToEntry(ContextEntry e) => new()
    {
        Path = e.Path,
        Type = e.Type,
        Mode = e.Mode,
        Size = e.Size,
        ModifiedTime = e.ModifiedTime,
        LinkTarget = e.LinkTarget,
        HardLinkKey = e.HardLinkKey,
        Scanned = e,
    };
}
