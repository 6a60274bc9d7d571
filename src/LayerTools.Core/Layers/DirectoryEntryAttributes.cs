using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>The attributes a directory made by extraction takes from its layer entry (the defaults when the entry is no directory).</summary>
internal static class DirectoryEntryAttributes
{
    public static DirectoryAttributes Of(LayerEntry? entry) =>
        entry is { Type: EntryType.Directory } e ? new DirectoryAttributes(e.Mode, e.Uid, e.Gid, e.ModifiedTime) : DirectoryAttributes.Default;
}
