using System.Text.Json;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Oci;

/// <summary>An image manifest (OCI or Docker v2 schema 2): a config descriptor and layer descriptors, base first.</summary>
internal sealed class ManifestDocument
{
    private ManifestDocument(string mediaType, Descriptor config, IReadOnlyList<Descriptor> layers, JsonObject json)
    {
        MediaType = mediaType;
        Config = config;
        Layers = layers;
        Json = json;
    }

    public string MediaType { get; }

    public Descriptor Config { get; }

    public IReadOnlyList<Descriptor> Layers { get; }

    public JsonObject Json { get; }

    public static ManifestDocument Parse(ReadOnlySpan<byte> bytes, string where, string? descriptorMediaType = null)
    {
        var obj = JsonDocuments.ParseObject(bytes, where, "InvalidManifest");
        var mediaType = JsonDocuments.GetString(obj, "mediaType") ?? descriptorMediaType ?? MediaTypes.OciManifest;
        if (!MediaTypes.IsManifest(mediaType))
        {
            throw new LayerToolsException("UnsupportedMediaType", ErrorKind.InvalidData, $"'{where}': media type '{mediaType}' is not an image manifest LayerTools can read.", where);
        }

        if (obj["schemaVersion"] is not JsonValue sv || !sv.TryGetValue<int>(out var version) || version != 2)
        {
            throw new LayerToolsException("InvalidManifest", ErrorKind.InvalidData, $"'{where}': the manifest's schemaVersion is not 2.", where);
        }

        var config = Descriptor.FromJson(obj["config"], where);
        if (obj["layers"] is not JsonArray layersJson)
        {
            throw new LayerToolsException("InvalidManifest", ErrorKind.InvalidData, $"'{where}': the manifest has no layers array.", where);
        }

        var layers = new List<Descriptor>();
        foreach (var l in layersJson)
        {
            var layer = Descriptor.FromJson(l, where);
            if (!MediaTypes.IsLayer(layer.MediaType))
            {
                throw new LayerToolsException("UnsupportedMediaType", ErrorKind.InvalidData, $"'{where}': layer {layer.Digest} has media type '{layer.MediaType}', which is not a layer type LayerTools can read.", where);
            }

            layers.Add(layer);
        }

        return new ManifestDocument(mediaType, config, layers, obj);
    }

    /// <summary>The bytes of a new OCI manifest.</summary>
    public static byte[] Create(Descriptor config, IEnumerable<Descriptor> layers, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var obj = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = config.ToJson(),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)l.ToJson()).ToArray()),
        };
        if (annotations is { Count: > 0 })
        {
            var a = new JsonObject();
            foreach (var (k, v) in annotations)
            {
                a[k] = v;
            }

            obj["annotations"] = a;
        }

        return JsonDocuments.ToUtf8Bytes(obj);
    }
}
