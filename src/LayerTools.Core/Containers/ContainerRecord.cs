using System.Text.Json;
using System.Text.Json.Serialization;

namespace LayerTools.Core.Containers;

/// <summary>A container's <c>container.json</c>: who it is and which image (by manifest digest) it sits on. Written once.</summary>
internal sealed class ContainerRecord
{
    public const string FileName = "container.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    [JsonPropertyName("id")]
    public string Id { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("image")]
    public string Image { get; set; } = string.Empty;

    [JsonPropertyName("imageId")]
    public string ImageId { get; set; } = string.Empty;

    [JsonPropertyName("manifestDigest")]
    public string ManifestDigest { get; set; } = string.Empty;

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; set; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static ContainerRecord Read(string path)
    {
        try
        {
            var record = JsonSerializer.Deserialize<ContainerRecord>(File.ReadAllBytes(path), Options);
            if (record is null || record.Id.Length == 0 || record.Name.Length == 0)
            {
                throw new JsonException("id or name missing");
            }

            return record;
        }
        catch (JsonException ex)
        {
            throw new LayerToolsException("ContainerRecordCorrupt", ErrorKind.InvalidData, $"'{path}' is not a readable container record ({ex.Message}); remove the container's folder.", path, ex);
        }
    }
}
