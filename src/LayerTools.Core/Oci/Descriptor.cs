using System.Text.Json.Nodes;

namespace LayerTools.Core.Oci;

/// <summary>An OCI content descriptor: media type, digest and size of a blob, with optional annotations and platform.</summary>
internal sealed class Descriptor
{
    public Descriptor(string mediaType, string digest, long size)
    {
        MediaType = mediaType;
        Digest = digest;
        Size = size;
    }

    public string MediaType { get; }

    public string Digest { get; }

    public long Size { get; }

    public Dictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    public JsonObject? Platform { get; set; }

    public static Descriptor FromJson(JsonNode? node, string where)
    {
        if (node is not JsonObject obj)
        {
            throw Invalid(where, "a descriptor is not a JSON object");
        }

        var digest = obj["digest"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)obj["digest"] : null;
        if (!Digests.Digest.IsValid(digest))
        {
            throw Invalid(where, $"descriptor digest '{digest}' is not a sha256 digest");
        }

        long size;
        try
        {
            size = obj["size"]?.GetValue<long>() ?? -1;
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            size = -1;
        }

        if (size < 0)
        {
            throw Invalid(where, $"descriptor {digest} has no valid size");
        }

        string mediaType;
        try
        {
            mediaType = (string?)obj["mediaType"] ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            throw Invalid(where, $"descriptor {digest} has a mediaType that is not a string");
        }

        var descriptor = new Descriptor(mediaType, digest!, size);
        if (obj["annotations"] is JsonObject annotations)
        {
            foreach (var (key, value) in annotations)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var s))
                {
                    descriptor.Annotations[key] = s;
                }
            }
        }

        descriptor.Platform = obj["platform"] as JsonObject;
        return descriptor;
    }

    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["mediaType"] = MediaType,
            ["digest"] = Digest,
            ["size"] = Size,
        };
        if (Annotations.Count > 0)
        {
            var annotations = new JsonObject();
            foreach (var (k, v) in Annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                annotations[k] = v;
            }

            obj["annotations"] = annotations;
        }

        if (Platform is not null)
        {
            obj["platform"] = Platform.DeepClone();
        }

        return obj;
    }

    private static LayerToolsException Invalid(string where, string what) =>
        new("InvalidManifest", ErrorKind.InvalidData, $"'{where}': {what}.", where);
}
