using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// A tree given as <see cref="LayerFile"/> records (absolute paths), such as a container view's walk.
/// A file without a digest (one written in a container's upper directory) is hashed on first need
/// through <paramref name="openRead"/>, streaming it once. This is the seam for containers:
/// <c>new LayerFileTreeSource(() =&gt; view.Walk("/"), view.Name, view.OpenRead)</c>.
/// </summary>
internal sealed class LayerFileTreeSource : IFileTreeSource
{
    private readonly Func<IEnumerable<LayerFile>> _files;
    private readonly Func<string, Stream>? _openRead;

    /// <param name="files">Called once per comparison; every path but the root, each once.</param>
    /// <param name="name">What the user would call this side.</param>
    /// <param name="openRead">Opens a file's content by its absolute path; null when every file carries its digest.</param>
    public LayerFileTreeSource(Func<IEnumerable<LayerFile>> files, string name, Func<string, Stream>? openRead = null)
    {
        _files = files;
        _openRead = openRead;
        Name = name;
    }

    public string Name { get; }

    public IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default)
    {
        foreach (var f in _files())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = TarPath.Normalize(f.Path);
            if (path.Length == 0)
            {
                continue;
            }

            var size = f.Type is EntryType.File or EntryType.HardLink ? f.Size : 0;
            if (f.Digest is null && f.Type is (EntryType.File or EntryType.HardLink) && _openRead is not null)
            {
                var absolute = f.Path;
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, () => Hash(absolute));
            }
            else
            {
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, f.Digest);
            }
        }
    }

    private string Hash(string path)
    {
        using var stream = _openRead!(path);
        return Digest.Of(stream);
    }

    public override string ToString() => Name;
}
