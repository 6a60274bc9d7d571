using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// One layer on its own: the entries its tar holds and nothing from below. Whiteouts stay whiteouts
/// under their tar names (<c>dir/.wh.name</c> of type <see cref="EntryType.Whiteout"/>,
/// <c>dir/.wh..wh..opq</c> of type <see cref="EntryType.OpaqueWhiteout"/>), so comparing two layers shows what each one does.
/// </summary>
internal sealed class LayerTreeSource : IFileTreeSource
{
    private readonly LayerIndex _index;

    public LayerTreeSource(LayerIndex index, string name)
    {
        _index = index;
        Name = name;
    }

    public string Name { get; }

    public IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default)
    {
        foreach (var e in _index.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (e.Path.Length == 0 && e.Type == EntryType.Directory)
            {
                continue;
            }

            // A whiteout keeps its tar name (".wh.<name>", ".wh..wh..opq"): it can share the path it hides with
            // an entry of the same layer (an opaque directory always does), and both must show.
            yield return e.Type switch
            {
                EntryType.Whiteout => new FileTreeEntry(Whiteout.For(e.Path), e.Type, 0, 0, 0, 0, null, digest: null),
                EntryType.OpaqueWhiteout => new FileTreeEntry(Whiteout.OpaqueFor(e.Path), e.Type, 0, 0, 0, 0, null, digest: null),
                _ => FileTreeEntry.From(e),
            };
        }
    }

    public override string ToString() => Name;
}
