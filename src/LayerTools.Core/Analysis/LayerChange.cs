using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>One path that differs between two file trees (images, layers, containers or host directories).</summary>
public sealed class LayerChange
{
    /// <summary>Absolute path inside the trees, '/' separated ("/etc/passwd").</summary>
    public string Path { get; init; } = "/";

    public LayerChangeKind Change { get; init; }

    /// <summary>Bytes of the regular file on the reference side; null when the path is not there, 0 for anything but a file.</summary>
    public long? ReferenceSize { get; init; }

    /// <summary>Bytes of the regular file on the difference side; null when the path is not there, 0 for anything but a file.</summary>
    public long? DifferenceSize { get; init; }

    /// <summary>Which properties differ (for Added and Removed: None).</summary>
    public ChangeDetails Details { get; init; }

    /// <summary>The differences in words, e.g. "mode -rw-r--r-- → -rwxr-xr-x, uid 0 → 1000".</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The entry type on the reference side; null when the path is not there.</summary>
    public EntryType? ReferenceType { get; init; }

    /// <summary>The entry type on the difference side; null when the path is not there.</summary>
    public EntryType? DifferenceType { get; init; }

    /// <summary>What the reference side is ("app:1", "layer sha256:…", "/home/me/site").</summary>
    public string Reference { get; init; } = string.Empty;

    /// <summary>What the difference side is.</summary>
    public string Difference { get; init; } = string.Empty;

    /// <summary>Bytes the difference side adds (negative when it has fewer); 0 for metadata-only changes.</summary>
    public long SizeDelta => (DifferenceSize ?? 0) - (ReferenceSize ?? 0);

    public override string ToString() => Path;
}
