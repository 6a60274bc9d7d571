using LayerTools.Core.Layers;

namespace LayerTools.Core.Files;

/// <summary>
/// A tree of files one can look up, list, open and digest: an image's union view
/// (<see cref="ImageFileTree"/>), a single layer (<see cref="LayerFileTree"/>), a container
/// (<c>Containers.ContainerFileTree</c>) and a host folder (<see cref="HostFolderTree"/>). Paths are
/// relative to its root ("etc/hosts"; "" is the root; a leading '/' is allowed); symbolic links
/// resolve inside the root, never on the host. <see cref="FileTrees.Walk"/> walks any of them.
/// </summary>
internal interface IFileTree
{
    /// <summary>What a user calls the tree ("app:1", "layer 3 of app:1", a container's name, a host folder), as the files' <c>Image</c> property and a comparison show it.</summary>
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

    /// <summary>
    /// The sha256 of a file's content (the item at the path itself, links before it followed): from the
    /// layer index for content in the store; hashed by streaming the file once where no index has it (a
    /// host file, a file a container wrote). Null for anything but a file or hard link, and for a path
    /// that is not there.
    /// </summary>
    string? Digest(string path);
}
