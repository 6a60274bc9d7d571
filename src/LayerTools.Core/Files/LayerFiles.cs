using LayerTools.Core.Layers;

namespace LayerTools.Core.Files;

/// <summary>Makes the public LayerFile from an index entry.</summary>
internal static class LayerFiles
{
    public static LayerFile From(LayerEntry entry, string layerDiffId, int layerIndex, string image, bool implied = false) => new()
    {
        Path = "/" + entry.Path,
        Type = entry.Type,
        Size = entry.Size,
        Mode = entry.Mode & 0xFFF,
        Uid = entry.Uid,
        Gid = entry.Gid,
        ModifiedTime = DateTimeOffset.FromUnixTimeSeconds(entry.ModifiedTime),
        LinkTarget = entry.LinkTarget,
        Digest = entry.Digest,
        LayerDiffId = layerDiffId,
        LayerIndex = layerIndex,
        Image = image,
        Device = (entry.DevMajor, entry.DevMinor),
        Implied = implied,
    };
}
