using LayerTools.Core.Layers;

namespace LayerTools.Provider;

/// <summary>The files of one image or container as a drive walks them. Paths are relative to its root ("etc/hosts"; "" is the root).</summary>
internal interface IDriveTree
{
    /// <summary>The image (name:tag) or container name, as the files' <c>Image</c> property shows it.</summary>
    string Label { get; }

    /// <summary>The item at a path (links before the last name followed inside the root, the last one not), or null.</summary>
    LayerFile? Item(string path);

    /// <summary>True when the path is a directory, or a link that resolves (inside the root) to one.</summary>
    bool IsDirectory(string path);

    /// <summary>The children of a directory (a link to a directory lists the directory), by ordinal name.</summary>
    IReadOnlyList<LayerFile> Children(string path);

    /// <summary>Opens a file's data for reading (links followed inside the root).</summary>
    Stream OpenRead(string path);
}
