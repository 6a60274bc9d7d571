using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Copy;

/// <summary>
/// Writes the entries of a local archive given to ADD into a layer, under the destination directory,
/// the way Docker extracts it there — one streaming pass, nothing buffered — with the rules of
/// formats.md: every name cleaned and refused when it climbs out with '..', paths beneath symbolic
/// links resolved inside the root (the archive's own links and the image's), hard links only to files
/// the archive itself wrote, whiteout names refused, header, entry-count and size caps. Parents are
/// written before children (the image's directories keep their mode and owner), and no path twice.
/// </summary>
internal sealed class ArchiveUnpacker
{
    private readonly LayerTarWriter _writer;
    private readonly UnionView _below;
    private readonly IngestLimits _limits;
    private readonly (int Uid, int Gid)? _owner;
    private readonly long _createdTime;
    private readonly Dictionary<string, LayerEntry> _written = new(StringComparer.Ordinal);
    private readonly HashSet<string> _archiveFiles = new(StringComparer.Ordinal);
    private long _bytes;
    private int _entries;

    /// <param name="writer">The layer being written; <paramref name="alreadyWritten"/> are the entries a COPY part of the same step put there first.</param>
    public ArchiveUnpacker(LayerTarWriter writer, UnionView below, IEnumerable<PlannedEntry> alreadyWritten, (int Uid, int Gid)? owner, long createdTime, IngestLimits? limits = null)
    {
        _writer = writer;
        _below = below;
        _owner = owner;
        _createdTime = createdTime;
        _limits = limits ?? IngestLimits.Default;
        foreach (var e in alreadyWritten)
        {
            _written[e.Path] = new LayerEntry { Path = e.Path, Type = e.Type, LinkTarget = e.LinkTarget };
        }
    }

    /// <summary>Extracts the uncompressed tar <paramref name="tar"/> into <paramref name="destination"/> ("" for the root).</summary>
    public void Extract(Stream tar, string destination, string archiveName, CancellationToken cancellationToken = default)
    {
        var where = $"archive '{archiveName}'";
        var root = Resolve(destination, followLast: true);
        EnsureDirectory(TarPath.Parent(root));
        TarHeaderReader? reader = null;
        try
        {
            reader = new TarHeaderReader(tar, archiveName, _limits);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = reader.Next();
                if (entry is null)
                {
                    break;
                }

                Write(entry, root, where);
            }

            EnsureDirectory(root);
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptArchive", ErrorKind.InvalidData, $"{where} is not a readable tar at {TarHeaderReader.LocationOf(reader)}: {ex.Message}", archiveName, ex);
        }
    }

    private void Write(TarEntryHeader entry, string root, string where)
    {
        var relative = TarPath.Normalize(entry.Name, where);
        if (relative.Length == 0)
        {
            // The archive's root ("./"): as moby's Unpack does, it gives the destination its mode, owner
            // and time, when the destination is not written yet (and never for the image's root).
            if (entry.EntryType == EntryType.Directory && root.Length > 0 && !_written.ContainsKey(root))
            {
                _writer.AddDirectory(root, entry.Mode & 0xFFF, _owner?.Uid ?? entry.Uid, _owner?.Gid ?? entry.Gid, entry.ModifiedTime, XattrNames.Carried(entry.Xattrs));
                _written[root] = _writer.LastEntry!;
            }

            return;
        }

        var name = TarPath.Name(relative);
        if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
        {
            throw new LayerToolsException("ArchiveWhiteoutName", ErrorKind.InvalidData, $"{where}: entry '{entry.Name}' has a whiteout name ('{Whiteout.Prefix}…'), which a layer cannot hold as a file.", entry.Name);
        }

        if (++_entries > _limits.MaxEntries)
        {
            throw new LayerToolsException("TooManyEntries", ErrorKind.LimitsExceeded, $"{where} has more than {_limits.MaxEntries} entries (entry '{entry.Name}' is one too many).", where);
        }

        // The entry's directory is resolved inside the root (through the archive's and the image's links); its own name is kept.
        var path = TarPath.Join(Resolve(TarPath.Join(root, TarPath.Parent(relative)), followLast: true), name);
        EnsureDirectory(TarPath.Parent(path));
        if (_written.TryGetValue(path, out var existing))
        {
            if (existing.Type == EntryType.Directory && entry.EntryType == EntryType.Directory)
            {
                return;
            }

            throw new LayerToolsException("ArchiveDuplicateEntry", ErrorKind.InvalidData, $"{where}: '{entry.Name}' is written twice (by this archive or another source of the same ADD); a layer cannot hold a path twice.", entry.Name);
        }

        var uid = _owner?.Uid ?? entry.Uid;
        var gid = _owner?.Gid ?? entry.Gid;
        var mode = entry.Mode & 0xFFF;
        var mtime = entry.ModifiedTime;
        var xattrs = XattrNames.Carried(entry.Xattrs);
        switch (entry.EntryType)
        {
            case EntryType.Directory:
                _writer.AddDirectory(path, mode, uid, gid, mtime, xattrs);
                break;
            case EntryType.File:
                _bytes += entry.Size;
                if (_bytes > _limits.MaxLayerBytes)
                {
                    throw new LayerToolsException("LayerTooLarge", ErrorKind.LimitsExceeded, $"{where}: entry '{entry.Name}' ({entry.Size} bytes) takes the archive past {_limits.LayerLimitText}.", where);
                }

                _writer.AddFile(path, mode, uid, gid, mtime, entry.Data, entry.Size, xattrs);
                _archiveFiles.Add(path);
                break;
            case EntryType.SymbolicLink:
                _writer.AddSymlink(path, entry.LinkName, uid, gid, mtime, xattrs);
                break;
            case EntryType.HardLink:
                var target = Resolve(TarPath.Join(root, TarPath.Normalize(entry.LinkName, where)), followLast: false);
                if (!_archiveFiles.Contains(target))
                {
                    throw new LayerToolsException("HardLinkOutside", ErrorKind.SecurityError, $"{where}: hard link '{entry.Name}' points to '{entry.LinkName}', which is not a file written earlier by this archive.", entry.Name);
                }

                _writer.AddHardLink(path, target, mode, uid, gid, mtime, xattrs);
                break;
            case EntryType.CharDevice or EntryType.BlockDevice or EntryType.Fifo:
                _writer.AddDevice(path, entry.EntryType.Value, mode, uid, gid, mtime, entry.DevMajor, entry.DevMinor, xattrs);
                break;
            default:
                // Other entry kinds (GNU volume headers) carry no file Docker would extract.
                return;
        }

        _written[path] = _writer.LastEntry!;
    }

    /// <summary>Writes every missing directory down to <paramref name="directory"/>: the image's with its attributes, new ones 0755.</summary>
    private void EnsureDirectory(string directory)
    {
        if (directory.Length == 0)
        {
            return;
        }

        EnsureDirectory(TarPath.Parent(directory));
        if (_written.TryGetValue(directory, out var done))
        {
            if (done.Type != EntryType.Directory)
            {
                throw new LayerToolsException("ArchiveNotDirectory", ErrorKind.InvalidData, $"'/{directory}' is not a directory; the archive cannot be extracted beneath it.", directory);
            }

            return;
        }

        var lower = _below.Get(directory)?.Entry;
        if (lower is { Type: EntryType.Directory })
        {
            _writer.AddDirectory(directory, lower.Mode, lower.Uid, lower.Gid, lower.ModifiedTime);
        }
        else
        {
            _writer.AddDirectory(directory, 0x1ED, _owner?.Uid ?? 0, _owner?.Gid ?? 0, _createdTime);
        }

        _written[directory] = _writer.LastEntry!;
    }

    private string Resolve(string path, bool followLast) =>
        RootResolver.Resolve(path, p => _written.TryGetValue(p, out var e) ? e : _below.Lookup(p), followLast);
}
