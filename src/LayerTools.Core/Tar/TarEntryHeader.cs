namespace LayerTools.Core.Tar;

/// <summary>
/// One entry of a tar as <see cref="TarHeaderReader"/> reads it: the USTAR fields with the GNU
/// long-name and PAX records already applied, the extended attributes as raw bytes, where the entry's
/// data starts in the tar, and that data as a stream valid until the next entry is read.
/// </summary>
internal sealed class TarEntryHeader
{
    /// <summary>The name as the tar gives it (not normalized).</summary>
    public required string Name { get; init; }

    /// <summary>The header's type flag ('0', '5', '2', ...); '\0' is already mapped to '0' or '5'.</summary>
    public required char TypeFlag { get; init; }

    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    /// <summary>Bytes of data after the header (0 for types that carry none).</summary>
    public long Size { get; init; }

    /// <summary>Seconds since the epoch (a PAX fraction is dropped).</summary>
    public long ModifiedTime { get; init; }

    public string LinkName { get; init; } = string.Empty;

    public int DevMajor { get; init; }

    public int DevMinor { get; init; }

    /// <summary>SCHILY.xattr records, name → raw value; null when the entry has none.</summary>
    public SortedDictionary<string, byte[]>? Xattrs { get; init; }

    /// <summary>Offset of the entry's first header (its PAX or long-name header, if any) from where the reader started.</summary>
    public long HeaderOffset { get; init; }

    /// <summary>Offset of the entry's data from where the reader started.</summary>
    public long DataOffset { get; init; }

    /// <summary>The entry's data; reading it advances the tar. Valid until the next entry is read.</summary>
    public required Stream Data { get; init; }

    /// <summary>The layer entry type, or null for a type a layer cannot hold.</summary>
    public EntryType? EntryType => TarEntryTypes.ToEntryType(TypeFlag);

    public override string ToString() => $"{TypeFlag} {Name}";
}
