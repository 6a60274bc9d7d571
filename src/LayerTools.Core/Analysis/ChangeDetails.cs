namespace LayerTools.Core.Analysis;

/// <summary>Which properties of a path differ; a <see cref="LayerChange"/> carries the ones its -Property selected.</summary>
[Flags]
public enum ChangeDetails
{
    None = 0,

    /// <summary>The content digest (regular files and hard links to them).</summary>
    Content = 1,

    /// <summary>Permission bits, setuid, setgid and sticky.</summary>
    Mode = 2,

    Uid = 4,

    Gid = 8,

    /// <summary>The target of a symbolic link.</summary>
    LinkTarget = 16,

    /// <summary>The kind of entry (file, directory, symlink, whiteout...).</summary>
    Type = 32,

    /// <summary>The major and minor numbers of a device node (compared as its content).</summary>
    Device = 64,
}
