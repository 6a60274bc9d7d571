using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Makes a layer's entry index from its tar entries, given in tar order: applies the security rules
/// of formats.md to every name (paths resolved through the layer's own entries so far and the
/// layers below it, hard links only to files of the layer or below), drops aufs metadata, and keeps
/// the last of duplicate paths at the first one's place. Entry data is not read here: a file's
/// digest is set on the entry <see cref="Add"/> returns once its bytes are hashed.
/// </summary>
internal sealed class LayerIndexBuilder
{
    private const int MaxXattrNameBytes = 255;
    private const int MaxXattrValueBytes = 64 * 1024;

    private readonly LayerIndex _index = new();
    private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);
    private readonly string _source;
    private readonly IngestLimits _limits;
    private readonly ILowerView? _lower;

    /// <param name="lower">The view of the layers below, for hard links and paths beneath symbolic links.</param>
    public LayerIndexBuilder(string source, IngestLimits limits, ILowerView? lower)
    {
        _source = source;
        _limits = limits;
        _lower = lower;
    }

    /// <summary>Adds the next tar entry; returns its index record (a file's digest still unset), or null for an entry that carries no file.</summary>
    public LayerEntry? Add(TarEntryHeader tarEntry)
    {
        var entry = ToEntry(tarEntry, _source, Lookup);
        if (entry is null)
        {
            return null;
        }

        entry.Offset = tarEntry.DataOffset;
        var key = KeyOf(entry);
        if (_positions.TryGetValue(key, out var existing))
        {
            _index.Entries[existing] = entry;
        }
        else
        {
            if (_index.Entries.Count >= _limits.MaxEntries)
            {
                throw new LayerToolsException("TooManyEntries", ErrorKind.LimitsExceeded, $"'{_source}': the layer has more than {_limits.MaxEntries} entries (entry '{tarEntry.Name}' is one too many).", _source);
            }

            _positions[key] = _index.Entries.Count;
            _index.Entries.Add(entry);
        }

        return entry;
    }

    /// <summary>The index, once every entry is added.</summary>
    public LayerIndex Finish(string diffId, long size)
    {
        _index.DiffId = diffId;
        _index.Size = size;
        return _index;
    }

    private LayerEntry? Lookup(string path) =>
        _positions.TryGetValue(path, out var at) ? _index.Entries[at] : _lower?.Lookup(path);

    private static string KeyOf(LayerEntry entry) => entry.Type switch
    {
        EntryType.Whiteout => "\0wh\0" + entry.Path,
        EntryType.OpaqueWhiteout => "\0opq\0" + entry.Path,
        _ => entry.Path,
    };

    /// <summary>The index record for a tar entry, or null for entries that carry no file (aufs metadata).</summary>
    private static LayerEntry? ToEntry(TarEntryHeader tarEntry, string source, Func<string, LayerEntry?> lookup)
    {
        var path = TarPath.Normalize(tarEntry.Name, source);
        var type = tarEntry.EntryType
            ?? throw new LayerToolsException("UnsupportedTarEntry", ErrorKind.InvalidData, $"'{source}': entry '{tarEntry.Name}' has tar type '{tarEntry.TypeFlag}', which a layer cannot hold.", tarEntry.Name);

        if (path.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal) && TarPath.Name(path) != Whiteout.Opaque)
        {
            // aufs metadata (.wh..wh.plnk, .wh..wh.aufs) at the top of a layer: not part of the file system.
            return null;
        }

        var name = TarPath.Name(path);
        if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
        {
            var parent = TarPath.Parent(path);
            if (name == Whiteout.Opaque)
            {
                return new LayerEntry { Path = RootResolver.Resolve(parent, lookup, followLast: true), Type = EntryType.OpaqueWhiteout };
            }

            if (name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal))
            {
                return null;
            }

            var hidden = name[Whiteout.Prefix.Length..];
            if (hidden.Length == 0 || hidden == "." || hidden == "..")
            {
                throw new LayerToolsException("InvalidWhiteout", ErrorKind.InvalidData, $"'{source}': entry '{tarEntry.Name}' is not a valid whiteout (it names no file).", tarEntry.Name);
            }

            return new LayerEntry { Path = RootResolver.ResolveParent(TarPath.Join(parent, hidden), lookup), Type = EntryType.Whiteout };
        }

        if (path.Length == 0)
        {
            if (type != EntryType.Directory)
            {
                throw new LayerToolsException("RootTypeChange", ErrorKind.SecurityError, $"'{source}': entry '{tarEntry.Name}' would replace the root directory with a {type}.", tarEntry.Name);
            }
        }
        else
        {
            path = RootResolver.ResolveParent(path, lookup);
            if (path.Length == 0)
            {
                throw new LayerToolsException("RootTypeChange", ErrorKind.SecurityError, $"'{source}': entry '{tarEntry.Name}' resolves to the root directory.", tarEntry.Name);
            }
        }

        var entry = new LayerEntry
        {
            Path = path,
            Type = type,
            Mode = tarEntry.Mode & 0xFFF,
            Uid = tarEntry.Uid,
            Gid = tarEntry.Gid,
            Size = type == EntryType.File ? tarEntry.Size : 0,
            ModifiedTime = tarEntry.ModifiedTime,
        };
        entry.EncodeXattrs(CheckXattrs(tarEntry, source));

        switch (type)
        {
            case EntryType.SymbolicLink:
                entry.LinkTarget = tarEntry.LinkName;
                break;
            case EntryType.HardLink:
                var target = RootResolver.ResolveParent(TarPath.Normalize(tarEntry.LinkName, source), lookup);
                var targetEntry = lookup(target);
                if (target.Length == 0 || targetEntry is null || targetEntry.IsWhiteout || targetEntry.Type == EntryType.Directory)
                {
                    throw new LayerToolsException("HardLinkOutsideLayers", ErrorKind.SecurityError, $"'{source}': hard link '{tarEntry.Name}' points at '{tarEntry.LinkName}', which is not a file in this layer or the layers below it.", tarEntry.Name);
                }

                entry.LinkTarget = target;
                if (targetEntry.Type is EntryType.File or EntryType.HardLink)
                {
                    entry.Size = targetEntry.Size;
                    entry.Digest = targetEntry.Digest;
                }

                break;
            case EntryType.CharDevice:
            case EntryType.BlockDevice:
                entry.DevMajor = tarEntry.DevMajor;
                entry.DevMinor = tarEntry.DevMinor;

                break;
        }

        return entry;
    }

    /// <summary>
    /// The entry's extended attributes, refused when Linux could not hold them (a name over 255
    /// bytes, a value over 64 KiB: XATTR_NAME_MAX, XATTR_SIZE_MAX), which also bounds what the
    /// index records for them.
    /// </summary>
    private static SortedDictionary<string, byte[]>? CheckXattrs(TarEntryHeader tarEntry, string source)
    {
        if (tarEntry.Xattrs is not { } xattrs)
        {
            return null;
        }

        foreach (var (name, value) in xattrs)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxXattrNameBytes || value.Length > MaxXattrValueBytes)
            {
                throw new LayerToolsException("XattrTooLarge", ErrorKind.LimitsExceeded, $"'{source}': entry '{tarEntry.Name}' has the extended attribute '{name}' of {value.Length} bytes; a name may have {MaxXattrNameBytes} bytes and a value {MaxXattrValueBytes}.", tarEntry.Name);
            }
        }

        return xattrs;
    }
}
