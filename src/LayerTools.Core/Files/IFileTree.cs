using LayerTools.Core.Layers;

namespace LayerTools.Core.Files;

/// <summary>
/// A tree of files one can look up, list and open: an image's union view, a single layer, a container,
/// and (as the consumers move onto it) a host folder. Paths are relative to its root
/// ("etc/hosts"; "" is the root); symbolic links resolve inside the root, never on the host.
/// </summary>
internal interface IFileTree
{
    /// <summary>The image (name:tag) or container name, as the files' <c>Image</c> property shows it.</summary>
    string Label { get; }

    /// <summary>The item at a path (links before the last name followed inside the root, the last one not), or null.</summary>
    LayerFile? Item(string path);

    /// <summary>True when the path is a directory, or a link that resolves (inside the root) to one.</summary>
    bool IsDirectory(string path);

    /// <summary>The children of a directory (a link to a directory lists the directory), by ordinal name.</summary>
    IReadOnlyList<LayerFile> Children(string path);

    /// <summary>The path with the links in its directory part followed inside the root, and the last name too when <paramref name="followLast"/>.</summary>
    string Resolve(string path, bool followLast);

    /// <summary>Opens a file's data for reading (links followed inside the root).</summary>
    Stream OpenRead(string path);
}
