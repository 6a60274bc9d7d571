using LayerTools.Core.Union;

namespace LayerTools.Core.Analysis;

/// <summary>The merged view of a stack of layers: an image, or (later) a container's image plus its changes.</summary>
internal sealed class UnionTreeSource : IFileTreeSource
{
    private readonly UnionView _view;

    public UnionTreeSource(UnionView view, string name)
    {
        _view = view;
        Name = name;
    }

    public string Name { get; }

    public IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default)
    {
        foreach (var node in _view.Walk(string.Empty))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return FileTreeEntry.From(node.Entry);
        }
    }

    public override string ToString() => Name;
}
