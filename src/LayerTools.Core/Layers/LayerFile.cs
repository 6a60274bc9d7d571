using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>A file as an image (the union of its layers) or a single layer shows it.</summary>
public sealed class LayerFile
{
    /// <summary>Absolute path inside the image, '/' separated ("/usr/bin/env").</summary>
    public string Path { get; init; } = "/";

    public string Name => Path == "/" ? "/" : Path[(Path.LastIndexOf('/') + 1)..];

    public EntryType Type { get; init; }

    public long Size { get; init; }

    /// <summary>Permission bits with setuid, setgid and sticky (0o7777).</summary>
    public int Mode { get; init; }

    /// <summary>The mode as <c>ls -l</c> shows it, e.g. <c>-rwxr-xr-x</c>.</summary>
    public string ModeString => UnixMode.Format(Type, Mode);

    public int Uid { get; init; }

    public int Gid { get; init; }

    public DateTimeOffset ModifiedTime { get; init; }

    public string? LinkTarget { get; init; }

    /// <summary>sha256 of the content (regular files and hard links to them).</summary>
    public string? Digest { get; init; }

    /// <summary>The DiffID of the layer the entry comes from.</summary>
    public string LayerDiffId { get; init; } = string.Empty;

    /// <summary>Position of that layer in the image, 0 for the base.</summary>
    public int LayerIndex { get; init; }

    public bool IsWhiteout => Type is EntryType.Whiteout or EntryType.OpaqueWhiteout;

    public bool IsDirectory => Type == EntryType.Directory;

    /// <summary>The image the file was listed from.</summary>
    public string Image { get; init; } = string.Empty;

    /// <summary>Device numbers of a character or block device, for comparisons (not shown).</summary>
    internal (int Major, int Minor) Device { get; init; }

    /// <summary>True for a directory a single layer implies (a child is in the tar, the directory itself is not).</summary>
    internal bool Implied { get; init; }

    public override string ToString() => Path;
}
