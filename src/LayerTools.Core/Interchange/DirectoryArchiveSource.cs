using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>An image archive unpacked in a directory (an OCI layout, or a docker-archive extracted by tar).</summary>
internal sealed class DirectoryArchiveSource : ArchiveSource
{
    private readonly string _root;

    public DirectoryArchiveSource(string root)
        : base(root) => _root = Path.GetFullPath(root);

    protected override ArchiveEntry? LookupExact(string path)
    {
        if (path.Length == 0)
        {
            return new ArchiveEntry(string.Empty, EntryType.Directory, 0);
        }

        if (OperatingSystem.IsWindows() && (path.Contains('\\') || path.Contains(':')))
        {
            // On Windows these would be read as separators or a drive: never a name inside the folder.
            return null;
        }

        var full = Path.Join(_root, path.Replace('/', Path.DirectorySeparatorChar));
        var info = new FileInfo(full);
        if (info.LinkTarget is { } target)
        {
            return new ArchiveEntry(path, EntryType.SymbolicLink, 0, LinkTarget: target.Replace(Path.DirectorySeparatorChar, '/'));
        }

        if (Directory.Exists(full))
        {
            return new ArchiveEntry(path, EntryType.Directory, 0);
        }

        return info.Exists ? new ArchiveEntry(path, EntryType.File, info.Length, FullPath: full) : null;
    }

    protected override Stream OpenData(ArchiveEntry file) =>
        new FileStream(file.FullPath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    public override IEnumerable<string> RootDirectories() =>
        Directory.EnumerateDirectories(_root).Select(Path.GetFileName).OfType<string>();
}
