using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Copy;

/// <summary>COPY --from a stage or an image: the files of its <see cref="IFileTree"/>, read from layer blobs by offset, digests from the indexes.</summary>
internal sealed class ImageCopySource : ICopySource
{
    private readonly IFileTree _tree;

    public ImageCopySource(IFileTree tree, string description)
    {
        _tree = tree;
        Description = description;
    }

    public ImageCopySource(LayerStore store, UnionView view, string description)
        : this(new ImageFileTree(store, view, description), description)
    {
    }

    public string Description { get; }

    public CopySourceEntry? Get(string path)
    {
        var resolved = _tree.Resolve(path, followLast: false);
        return _tree.Item(resolved) is { } file ? ToEntry(file, resolved) : null;
    }

    public IEnumerable<CopySourceEntry> Under(string directory)
    {
        var resolved = _tree.Resolve(directory, followLast: true);
        return _tree.IsDirectory(resolved) ? Sorted(FileTrees.Walk(_tree, resolved)) : Enumerable.Empty<CopySourceEntry>();
    }

    public IEnumerable<CopySourceEntry> All => Sorted(FileTrees.Walk(_tree, string.Empty));

    public Stream Open(CopySourceEntry entry) => _tree.OpenRead(entry.Path);

    public string DigestOf(CopySourceEntry entry) => _tree.Digest(entry.Path)
        ?? throw new LayerToolsException("FileNotFound", ErrorKind.ObjectNotFound, $"'/{entry.Path}' has no content in {Description}.", entry.Path);

    public string Remember(CopySourceEntry entry, string digest) => digest;

    private static IEnumerable<CopySourceEntry> Sorted(IEnumerable<LayerFile> files) =>
        files.Select(f => ToEntry(f, TarPath.Normalize(f.Path))).OrderBy(e => e.Path, StringComparer.Ordinal);

    private static CopySourceEntry ToEntry(LayerFile file, string path) => new()
    {
        Path = path,
        Type = file.Type == EntryType.HardLink ? EntryType.File : file.Type,
        Mode = file.Mode,
        Uid = file.Uid,
        Gid = file.Gid,
        Size = file.Size,
        ModifiedTime = file.ModifiedTime.ToUnixTimeSeconds(),
        LinkTarget = file.Type == EntryType.SymbolicLink ? file.LinkTarget : null,
    };
}
