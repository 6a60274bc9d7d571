using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>A container's files as a tree: the writable layer over its image's union view.</summary>
internal sealed class ContainerFileTree : IFileTree
{
    public ContainerFileTree(ContainerView view) => View = view;

    public ContainerView View { get; }

    public string Label => View.Name;

    public LayerFile? Item(string path) => View.Stat(path);

    public bool IsDirectory(string path) => View.Stat(path, followLinks: true)?.Type == EntryType.Directory;

    public IReadOnlyList<LayerFile> Children(string path) => View.List(path);

    public string Resolve(string path, bool followLast) => View.Resolve(path, followLast);

    public Stream OpenRead(string path) => View.OpenRead(path);
}
