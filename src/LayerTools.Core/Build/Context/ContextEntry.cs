using LayerTools.Core.Digests;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Context;

/// <summary>A file of the build context, as stat saw it (nothing read yet).</summary>
internal sealed class ContextEntry
{
    /// <summary>'/'-separated path relative to the context root.</summary>
    public required string Path { get; init; }

    public required EntryType Type { get; init; }

    public required int Mode { get; init; }

    public long Size { get; init; }

    public long ModifiedTime { get; init; }

    /// <summary>The modification time in DateTime ticks (100 ns, UTC): with the size, what says a file is unchanged since its digest was taken.</summary>
    public long ModifiedTicks { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>For a regular file with more than one link: its device and inode ("dev:ino"), so COPY can keep hard links together; null otherwise.</summary>
    public string? HardLinkKey { get; init; }

    /// <summary>
    /// The SHA-256 of the file's content when known: from the hash cache when the size and mtime this
    /// scan saw match its record (see <c>FileHashCache</c>), or taken while this build read the file.
    /// Kept as its 32 bytes: the digest's text is made only where a string is needed.
    /// </summary>
    public Sha256Hash? ContentHash { get; set; }

    /// <summary>The context folder (one string shared by every entry).</summary>
    public required string Root { get; init; }

    /// <summary>The host path, for reading (made when asked: 50,000 entries need not hold 50,000 more strings).</summary>
    public string FullPath => Path.Length == 0 ? Root : System.IO.Path.Join(Root, Path);
}
