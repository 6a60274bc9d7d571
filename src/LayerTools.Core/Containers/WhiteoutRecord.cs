using System.Text.Json;
using System.Text.Json.Serialization;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// A container's <c>whiteouts.json</c>: the image paths it deleted, the directories it made opaque
/// (deleted from the image and created again), and the owners of upper files the host could not
/// give away (when not running as root). Rewritten atomically on every change.
/// </summary>
internal sealed class WhiteoutRecord
{
    public const string FileName = "whiteouts.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Counts the saves, so that a view can tell another view (or process) changed the container since it looked.</summary>
    [JsonPropertyName("generation")]
    public long Generation { get; set; }

    /// <summary>Image paths deleted: each hides the path and everything beneath it.</summary>
    [JsonPropertyName("deleted")]
    public SortedSet<string> Deleted { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Directories whose image children are all hidden.</summary>
    [JsonPropertyName("opaque")]
    public SortedSet<string> Opaque { get; set; } = new(StringComparer.Ordinal);

    /// <summary>uid and gid of upper paths, kept here when the process cannot chown.</summary>
    [JsonPropertyName("owners")]
    public SortedDictionary<string, int[]> Owners { get; set; } = new(StringComparer.Ordinal);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>The generation on disk, or -1 when the file cannot be read.</summary>
    public static long ReadGeneration(string path)
    {
        try
        {
            return Read(path).Generation;
        }
        catch (LayerToolsException)
        {
            return -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    public static WhiteoutRecord Read(string path)
    {
        if (!File.Exists(path))
        {
            return new WhiteoutRecord();
        }

        try
        {
            var record = JsonSerializer.Deserialize<WhiteoutRecord>(File.ReadAllBytes(path), Options) ?? new WhiteoutRecord();
            record.Deleted = new SortedSet<string>(record.Deleted, StringComparer.Ordinal);
            record.Opaque = new SortedSet<string>(record.Opaque, StringComparer.Ordinal);
            record.Owners = new SortedDictionary<string, int[]>(record.Owners, StringComparer.Ordinal);
            return record;
        }
        catch (JsonException ex)
        {
            throw new LayerToolsException("ContainerRecordCorrupt", ErrorKind.InvalidData, $"'{path}' is not a readable whiteout record ({ex.Message}).", path, ex);
        }
    }

    /// <summary>Forgets every record at or beneath <paramref name="path"/> (they are covered by a deletion there).</summary>
    public void ForgetBeneath(string path, bool includeSelf)
    {
        static bool Hit(string p, string root, bool self) => (self && p == root) || (p.Length > root.Length && TarPath.IsWithin(p, root));
        Deleted.RemoveWhere(p => Hit(p, path, includeSelf));
        Opaque.RemoveWhere(p => Hit(p, path, includeSelf));
        foreach (var key in Owners.Keys.Where(p => Hit(p, path, includeSelf)).ToList())
        {
            Owners.Remove(key);
        }
    }
}
