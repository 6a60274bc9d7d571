namespace LayerTools.Core.Analysis;

/// <summary>How a path differs between the reference and the difference side of a comparison.</summary>
public enum LayerChangeKind
{
    /// <summary>Only the difference side has the path.</summary>
    Added,

    /// <summary>Only the reference side has the path.</summary>
    Removed,

    /// <summary>Same type on both sides, different content (and maybe metadata too).</summary>
    Modified,

    /// <summary>Same type and content, different mode, owner or link target.</summary>
    MetadataChanged,

    /// <summary>The path is a different kind of thing on each side (a file became a directory, a symlink, a whiteout...).</summary>
    TypeChanged,
}
