using System.Text.Json.Serialization;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// One record of a layer's entry index: what the tar says about a path, and where its data starts
/// in the uncompressed layer blob. Paths are clean and relative ("usr/bin/env"); the root is "".
/// A whiteout's path is the path it hides; an opaque whiteout's path is the directory it makes opaque.
/// </summary>
internal sealed class LayerEntry
{
    [JsonPropertyName("p")]
    public string Path { get; set; } = string.Empty;

    [JsonPropertyName("t")]
    public EntryType Type { get; set; }

    [JsonPropertyName("m")]
    public int Mode { get; set; }

    [JsonPropertyName("u")]
    public int Uid { get; set; }

    [JsonPropertyName("g")]
    public int Gid { get; set; }

    [JsonPropertyName("s")]
    public long Size { get; set; }

    [JsonPropertyName("mt")]
    public long ModifiedTime { get; set; }

    [JsonPropertyName("l")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LinkTarget { get; set; }

    [JsonPropertyName("d")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Digest { get; set; }

    [JsonPropertyName("o")]
    public long Offset { get; set; }

    [JsonPropertyName("dv")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DevMajor { get; set; }

    [JsonPropertyName("dn")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DevMinor { get; set; }

    /// <summary>
    /// The entry's extended attributes (PAX SCHILY.xattr records): name → value as base64, since a
    /// value is bytes (security.capability is binary). Null for the many entries that have none, so
    /// the index stays small.
    /// </summary>
    [JsonPropertyName("x")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SortedDictionary<string, string>? Xattrs { get; set; }

    [JsonIgnore]
    public bool IsWhiteout => Type is EntryType.Whiteout or EntryType.OpaqueWhiteout;

    public LayerEntry Clone() => (LayerEntry)MemberwiseClone();

    /// <summary>Records <paramref name="xattrs"/> (raw values) in <see cref="Xattrs"/>; none leaves it null.</summary>
    public void EncodeXattrs(IReadOnlyDictionary<string, byte[]>? xattrs)
    {
        if (xattrs is null || xattrs.Count == 0)
        {
            Xattrs = null;
            return;
        }

        Xattrs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in xattrs)
        {
            Xattrs[name] = Convert.ToBase64String(value);
        }
    }

    /// <summary>The raw values of <see cref="Xattrs"/>, or null when the entry has none.</summary>
    public SortedDictionary<string, byte[]>? DecodeXattrs()
    {
        if (Xattrs is null)
        {
            return null;
        }

        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, value) in Xattrs)
        {
            result[name] = Convert.FromBase64String(value);
        }

        return result;
    }
}
