using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Files;

/// <summary>An image's files as a container would see them: the union of its layers.</summary>
internal sealed class UnionFileTree : IFileTree
{
    private readonly UnionView _view;
    private readonly string _image;

    public UnionFileTree(UnionView view, string image)
    {
        _view = view;
        _image = image;
    }

    public IReadOnlyList<LayerFile> At(string path)
    {
        var node = _view.Get(path);
        return node is null
            ? Array.Empty<LayerFile>()
            : new[] { LayerFiles.From(node.Entry, node.LayerDiffId, node.LayerIndex, _image) };
    }

    public bool IsDirectory(string path) => _view.Get(path)?.Entry.Type == EntryType.Directory;

    public IEnumerable<string> Children(string directory) => _view.List(directory).Select(n => TarPath.Name(n.Entry.Path));

    public string ResolveParent(string path) => RootResolver.ResolveParent(path, _view.Lookup);

    public string Resolve(string path) => _view.Resolve(path, followLast: true);
}
