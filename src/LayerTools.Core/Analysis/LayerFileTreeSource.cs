using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// A side of a comparison from <see cref="LayerFile"/> records (absolute paths): the walk of a file
/// tree (an image, a single layer, a container, a host folder) or any other list of them. A file
/// without a digest (one written in a container's upper directory, a host file) is hashed on first
/// need through <paramref name="openRead"/>, streaming it once. Whiteouts keep their tar names
/// (<c>dir/.wh.name</c>, <c>dir/.wh..wh..opq</c>): a layer's opaque marker shares its directory's
/// path and both must show; directories a layer only implies are left out.
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

    /// <summary>True when the side is one layer's own entries (a <see cref="LayerFileTree"/>).</summary>
    public bool IsLayer { get; private init; }

    /// <summary>Where the tree's root stands in the other side ("app" for /app); empty for the root.</summary>
    public string MountedAt { get; private init; } = string.Empty;

    private LayerFile? Root { get; init; }

    /// <summary>Every path of <paramref name="tree"/>; files without a digest are hashed through the tree when <paramref name="hashMissing"/>.</summary>
    public static LayerFileTreeSource Of(IFileTree tree, string name, bool hashMissing) =>
        new(() => FileTrees.Walk(tree, string.Empty), name, hashMissing ? tree.OpenRead : null) { IsLayer = tree is LayerFileTree };

    /// <summary>
    /// <paramref name="tree"/> as the directory <paramref name="at"/> ("/app") of the other side: its root is
    /// compared with that directory and its files with the files beneath it.
    /// </summary>
    public static LayerFileTreeSource Mounted(IFileTree tree, string name, string at, bool hashMissing)
    {
        var mount = TarPath.Normalize(at);
        return new(() => FileTrees.Walk(tree, string.Empty), name, hashMissing ? tree.OpenRead : null)
        {
            MountedAt = mount,
            Root = mount.Length == 0 ? null : tree.Item(string.Empty),
        };
    }

    public IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default)
    {
        if (Root is { } root)
        {
            yield return new FileTreeEntry(MountedAt, root.Type, root.Mode & 0xFFF, root.Uid, root.Gid, 0, root.LinkTarget, digest: null);
        }

        foreach (var f in _files())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = IsClean(f.Path) ? f.Path[1..] : TarPath.Normalize(f.Path);
            if (path.Length == 0 || f.Implied)
            {
                continue;
            }

            if (MountedAt.Length > 0)
            {
                path = MountedAt + "/" + path;
            }

            var size = f.Type is EntryType.File or EntryType.HardLink ? f.Size : 0;
            if (f.Type == EntryType.Whiteout)
            {
                yield return new FileTreeEntry(Whiteout.For(path), f.Type, 0, 0, 0, 0, null, digest: null);
            }
            else if (f.Type == EntryType.OpaqueWhiteout)
            {
                yield return new FileTreeEntry(Whiteout.OpaqueFor(path), f.Type, 0, 0, 0, 0, null, digest: null);
            }
            else if (f.Digest is null && f.Type is (EntryType.File or EntryType.HardLink) && _openRead is not null)
            {
                var absolute = f.Path;
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, () => Hash(absolute)) { Device = f.Device };
            }
            else
            {
                yield return new FileTreeEntry(path, f.Type, f.Mode & 0xFFF, f.Uid, f.Gid, size, f.LinkTarget, f.Digest) { Device = f.Device };
            }
        }
    }

    /// <summary>True for "/a/b" with no empty, "." or ".." part (what every file tree makes): it needs no normalizing. A name that begins with a dot takes the slow way.</summary>
    private static bool IsClean(string path) =>
        path.Length > 1 && path[0] == '/' && path[^1] != '/' && path.IndexOf('\0') < 0
        && !path.Contains("//", StringComparison.Ordinal) && !path.Contains("/.", StringComparison.Ordinal);

    private string Hash(string path)
    {
        using var stream = _openRead!(path);
        return Digest.Of(stream);
    }

    public override string ToString() => Name;
}
