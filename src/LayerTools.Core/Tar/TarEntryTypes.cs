namespace LayerTools.Core.Tar;

/// <summary>The one mapping from tar type flags to layer entry types, for the readers (the writer maps back with <see cref="TarHeaderWriter.TypeOf"/>).</summary>
internal static class TarEntryTypes
{
    /// <summary>The layer entry type of a tar type flag; null for a type a layer cannot hold (sockets, GNU volume headers).</summary>
    public static EntryType? ToEntryType(char type) => type switch
    {
        '0' or '7' => EntryType.File,
        '5' => EntryType.Directory,
        '2' => EntryType.SymbolicLink,
        '1' => EntryType.HardLink,
        '3' => EntryType.CharDevice,
        '4' => EntryType.BlockDevice,
        '6' => EntryType.Fifo,
        _ => null,
    };
}
