using System.Security.Cryptography;
using LayerTools.Core.Digests;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Reads an uncompressed layer tar once: copies every byte to the sink, computes the DiffID, and
/// builds the entry index (with each file's content digest and data offset) on the way through,
/// applying the security rules of formats.md to every name.
/// </summary>
internal static class LayerIndexer
{
    private const int MaxXattrNameBytes = 255;
    private const int MaxXattrValueBytes = 64 * 1024;

    public static LayerIndex Ingest(Stream tar, Stream sink, string source, IngestLimits? limits = null, ILowerView? lower = null, CancellationToken cancellationToken = default)
    {
        limits ??= IngestLimits.Default;
        TarHeaderReader? reader = null;
        using var counting = new HashingStream(tar, sink, leaveOpen: true, limit: limits.MaxLayerBytes, overLimit: () =>
            $"'{source}': the layer passes {limits.LayerLimitText} at {TarHeaderReader.LocationOf(reader)}.");
        var index = new LayerIndex();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var buffer = new byte[81920];

        LayerEntry? Lookup(string path)
        {
            if (positions.TryGetValue(path, out var at))
            {
                return index.Entries[at];
            }

            return lower?.Lookup(path);
        }

        try
        {
            reader = new TarHeaderReader(counting, source, limits);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tarEntry = reader.Next();
                if (tarEntry is null)
                {
                    break;
                }

                var entry = ToEntry(tarEntry, source, Lookup);
                if (entry is null)
                {
                    continue;
                }

                entry.Offset = tarEntry.DataOffset;
                if (entry.Type == EntryType.File)
                {
                    entry.Digest = HashData(tarEntry.Data, buffer);
                }

                var key = KeyOf(entry);
                if (positions.TryGetValue(key, out var existing))
                {
                    index.Entries[existing] = entry;
                }
                else
                {
                    if (index.Entries.Count >= limits.MaxEntries)
                    {
                        throw new LayerToolsException("TooManyEntries", ErrorKind.LimitsExceeded, $"'{source}': the layer has more than {limits.MaxEntries} entries (entry '{tarEntry.Name}' is one too many).", source);
                    }

                    positions[key] = index.Entries.Count;
                    index.Entries.Add(entry);
                }
            }

            counting.Drain();
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{source}' is not a readable tar at {TarHeaderReader.LocationOf(reader)}: {ex.Message}", source, ex);
        }

        index.DiffId = counting.Digest;
        index.Size = counting.BytesRead;
        return index;
    }

    private static string KeyOf(LayerEntry entry) => entry.Type switch
    {
        EntryType.Whiteout => "\0wh\0" + entry.Path,
        EntryType.OpaqueWhiteout => "\0opq\0" + entry.Path,
        _ => entry.Path,
    };

    private static string HashData(Stream data, byte[] buffer)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int n;
        while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, n);
        }

        return Digest.FromHash(hash.GetHashAndReset());
    }

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
