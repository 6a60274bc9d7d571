using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// The files of an image archive (a tar) or of a directory holding one, found by name. Names are
/// cleaned as tar entry names are, and symbolic and hard links are followed inside the archive's
/// root only: nothing an archive holds can make LayerTools read a file outside it.
/// </summary>
internal abstract class ArchiveSource : IDisposable
{
    private const int MaxHardLinkHops = 16;

    protected ArchiveSource(string where) => Where = where;

    /// <summary>The path the user gave, for messages.</summary>
    public string Where { get; }

    /// <summary>The entry at exactly this clean path (no link followed), or null.</summary>
    protected abstract ArchiveEntry? LookupExact(string path);

    /// <summary>Opens the bytes of a regular file entry.</summary>
    protected abstract Stream OpenData(ArchiveEntry file);

    /// <summary>The names of the directories at the archive's root.</summary>
    public abstract IEnumerable<string> RootDirectories();

    /// <summary>The regular file <paramref name="name"/> names, links followed inside the root; null when there is none.</summary>
    public ArchiveEntry? Find(string name)
    {
        var path = TarPath.Normalize(name, Where);
        for (var hop = 0; hop <= MaxHardLinkHops; hop++)
        {
            var resolved = RootResolver.Resolve(path, AsLayerEntry, followLast: true);
            var entry = LookupExact(resolved);
            if (entry is null || entry.Type == EntryType.Directory)
            {
                return null;
            }

            if (entry.Type == EntryType.HardLink && entry.LinkTarget is not null)
            {
                path = TarPath.Normalize(entry.LinkTarget, Where);
                continue;
            }

            return entry.Type == EntryType.File ? entry : null;
        }

        throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"'{Where}': too many hard links resolving '{name}'.", name);
    }

    public bool Exists(string name) => Find(name) is not null;

    /// <summary>The regular file <paramref name="name"/> names; <paramref name="what"/> describes it in the error when it is missing.</summary>
    public ArchiveEntry Get(string name, string what) =>
        Find(name) ?? throw new LayerToolsException("ArchiveEntryNotFound", ErrorKind.ObjectNotFound, $"'{Where}' has no {what} '{name}'; the archive is incomplete or not an image archive.", name);

    public Stream Open(ArchiveEntry file) => OpenData(file);

    /// <summary>Reads a small file whole, refusing one larger than <paramref name="max"/> bytes.</summary>
    public byte[] ReadAll(string name, long max, string what)
    {
        var entry = Get(name, what);
        if (entry.Size > max)
        {
            throw new LayerToolsException("ArchiveEntryTooLarge", ErrorKind.LimitsExceeded, $"'{Where}': {what} '{name}' is {entry.Size} bytes, more than the {max} allowed for it.", name);
        }

        using var s = OpenData(entry);
        var bytes = new byte[entry.Size];
        try
        {
            s.ReadExactly(bytes);
        }
        catch (EndOfStreamException ex)
        {
            throw new LayerToolsException("ArchiveTruncated", ErrorKind.InvalidData, $"'{Where}': {what} '{name}' ends before its {entry.Size} bytes.", name, ex);
        }

        return bytes;
    }

    private LayerEntry? AsLayerEntry(string path)
    {
        var e = LookupExact(path);
        return e is null ? null : new LayerEntry { Path = e.Path, Type = e.Type, LinkTarget = e.LinkTarget, Size = e.Size };
    }

    public virtual void Dispose()
    {
    }
}
