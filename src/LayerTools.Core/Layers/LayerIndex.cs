using System.Text.Json;

namespace LayerTools.Core.Layers;

/// <summary>The entry index of one layer: written once when the layer enters the store, immutable after.</summary>
internal sealed class LayerIndex
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    /// <summary>The layer's DiffID: the digest of its uncompressed tar.</summary>
    public string DiffId { get; set; } = string.Empty;

    /// <summary>Bytes in the uncompressed tar.</summary>
    public long Size { get; set; }

    /// <summary>Entries in tar order, duplicates resolved (the last one wins, at the first one's place).</summary>
    public List<LayerEntry> Entries { get; set; } = new();

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, LayerIndexJson.Default.LayerIndex);

    /// <summary>The bytes of <see cref="ToJson"/>, written as they are made (the store's copy of a 50,000-entry index was once a 16 MB buffer).</summary>
    public void WriteJson(Stream stream) => JsonSerializer.Serialize(stream, this, LayerIndexJson.Default.LayerIndex);

    public static LayerIndex FromJson(Stream json) =>
        JsonSerializer.Deserialize(json, LayerIndexJson.Default.LayerIndex) ?? throw new InvalidDataException("The layer index is empty.");

    /// <summary>Files, links and directories: everything but the whiteouts.</summary>
    public int FileCount => Entries.Count(e => !e.IsWhiteout);
}
