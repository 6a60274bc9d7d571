using System.Formats.Tar;

namespace LayerTools.Core.Layers;

/// <summary>The one mapping from tar entry types to layer entry types, for the indexer (the writer maps back with <see cref="TarHeaderWriter.TypeOf"/>).</summary>
internal static class TarEntryTypes
{
    /// <summary>The layer entry type of a tar entry type; null for a type a layer cannot hold (sockets, GNU extensions).</summary>
    public static EntryType? ToEntryType(TarEntryType type) => type switch
    {
        TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => EntryType.File,
        TarEntryType.Directory => EntryType.Directory,
        TarEntryType.SymbolicLink => EntryType.SymbolicLink,
        TarEntryType.HardLink => EntryType.HardLink,
        TarEntryType.CharacterDevice => EntryType.CharDevice,
        TarEntryType.BlockDevice => EntryType.BlockDevice,
        TarEntryType.Fifo => EntryType.Fifo,
        _ => null,
    };
}
