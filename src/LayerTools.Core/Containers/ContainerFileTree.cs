using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>A container's files as a tree: the writable layer over its image's union view.</summary>
internal sealed class ContainerFileTree : IFileTree
{
    private readonly string? _label;

    /// <param name="view">The container.</param>
    /// <param name="label">What to call the tree; the container's name when null.</param>
    public ContainerFileTree(ContainerView view, string? label = null)
    {
        View = view;
        _label = label;
    }

    public ContainerView View { get; }

    public string Label => _label ?? View.Name;

    public LayerFile? Item(string path) => View.Stat(path);

    public bool IsDirectory(string path) => View.Stat(path, followLinks: true)?.Type == EntryType.Directory;

    public IReadOnlyList<LayerFile> Children(string path) => View.List(path);

    public string Resolve(string path, bool followLast) => View.Resolve(path, followLast);

    public Stream OpenRead(string path) => View.OpenRead(path);

    /// <summary>From the image's index, or hashed (once) for a file the container wrote.</summary>
    public string? Digest(string path) => View.Stat(path, withDigest: true) is { Type: EntryType.File or EntryType.HardLink } file ? file.Digest : null;
}
