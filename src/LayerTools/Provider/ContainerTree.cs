using LayerTools.Core.Containers;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Provider;

/// <summary>A container's view as the <c>Container:</c> drive shows it (the writable layer over its image's union view).</summary>
internal sealed class ContainerTree : IDriveTree
{
    public ContainerTree(ContainerView view) => View = view;

    public ContainerView View { get; }

    public string Label => View.Name;

    public LayerFile? Item(string path) => View.Stat(path);

    public bool IsDirectory(string path) => View.Stat(path, followLinks: true)?.Type == EntryType.Directory;

    public IReadOnlyList<LayerFile> Children(string path) => View.List(path);

    public Stream OpenRead(string path) => View.OpenRead(path);
}
