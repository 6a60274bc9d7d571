using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Files;

/// <summary>An image's files: the union view of its layers, as the <c>Image:</c> drive and Get-LayerFile show them.</summary>
internal sealed class ImageFileTree : IFileTree
{
    private readonly LayerStore _store;
    private readonly UnionView _view;

    public ImageFileTree(LayerStore store, UnionView view, string label)
    {
        _store = store;
        _view = view;
        Label = label;
    }

    public string Label { get; }

    public LayerFile? Item(string path)
    {
        var node = _view.Get(RootResolver.ResolveParent(path, _view.Lookup));
        return node is null ? null : LayerFiles.From(node.Entry, node.LayerDiffId, node.LayerIndex, Label);
    }

    public bool IsDirectory(string path) => _view.Get(_view.Resolve(path, followLast: true))?.Entry.Type == EntryType.Directory;

    public IReadOnlyList<LayerFile> Children(string path)
    {
        var directory = _view.Resolve(path, followLast: true);
        if (_view.Get(directory)?.Entry.Type != EntryType.Directory)
        {
            throw new LayerToolsException("NotADirectory", ErrorKind.InvalidArgument, $"'/{path}' in image {Label} is not a directory.", path);
        }

        return _view.List(directory).Select(n => LayerFiles.From(n.Entry, n.LayerDiffId, n.LayerIndex, Label)).ToList();
    }

    public string Resolve(string path, bool followLast) => _view.Resolve(path, followLast);

    public Stream OpenRead(string path) => LayerContent.Open(_store, _view, _view.Resolve(path, followLast: true));

    public string? Digest(string path) => _view.Get(RootResolver.ResolveParent(path, _view.Lookup))?.Entry.Digest;
}
