using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Copy;

/// <summary>COPY --from a stage or an image: files read from layer blobs by offset, digests from the indexes.</summary>
internal sealed class ImageCopySource : ICopySource
{
    private readonly LayerStore _store;
    private readonly UnionView _view;

    public ImageCopySource(LayerStore store, UnionView view, string description)
    {
        _store = store;
        _view = view;
        Description = description;
    }

    public string Description { get; }

    public CopySourceEntry? Get(string path)
    {
        var resolved = _view.Resolve(path, followLast: false);
        return _view.Get(resolved) is { } n ? ToEntry(n, resolved) : null;
    }

    public IEnumerable<CopySourceEntry> Under(string directory)
    {
        var resolved = _view.Resolve(directory, followLast: true);
        return _view.Walk(resolved).Select(n => ToEntry(n, n.Entry.Path)).OrderBy(e => e.Path, StringComparer.Ordinal);
    }

    public IEnumerable<CopySourceEntry> All => _view.Walk(string.Empty).Select(n => ToEntry(n, n.Entry.Path)).OrderBy(e => e.Path, StringComparer.Ordinal);

    public Stream Open(CopySourceEntry entry) => LayerContent.Open(_store, _view, entry.Path);

    public string DigestOf(CopySourceEntry entry) => _view.Get(entry.Path)?.Entry.Digest
        ?? throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"'/{entry.Path}' has no content in {Description}.", entry.Path);

    public void Remember(CopySourceEntry entry, string digest)
    {
    }

    private static CopySourceEntry ToEntry(UnionNode node, string path) => new()
    {
        Path = path,
        Type = node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type,
        Mode = node.Entry.Mode,
        Uid = node.Entry.Uid,
        Gid = node.Entry.Gid,
        Size = node.Entry.Size,
        ModifiedTime = node.Entry.ModifiedTime,
        LinkTarget = node.Entry.Type == EntryType.SymbolicLink ? node.Entry.LinkTarget : null,
    };
}
