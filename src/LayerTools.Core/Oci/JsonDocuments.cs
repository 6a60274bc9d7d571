using System.Text.Json;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Oci;

/// <summary>Reading JSON documents from images without trusting them.</summary>
internal static class JsonDocuments
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    public static JsonObject ParseObject(ReadOnlySpan<byte> bytes, string where, string errorId)
    {
        JsonNode? node;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
            node = JsonNode.Parse(ref reader, new JsonNodeOptions { PropertyNameCaseInsensitive = false });
        }
        catch (JsonException ex)
        {
            throw new LayerToolsException(errorId, ErrorKind.InvalidData, $"'{where}' is not valid JSON: {ex.Message}", where, ex);
        }

        return node as JsonObject ?? throw new LayerToolsException(errorId, ErrorKind.InvalidData, $"'{where}' is not a JSON object.", where);
    }

    public static JsonNode? Parse(ReadOnlySpan<byte> bytes, string where, string errorId)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
            return JsonNode.Parse(ref reader);
        }
        catch (JsonException ex)
        {
            throw new LayerToolsException(errorId, ErrorKind.InvalidData, $"'{where}' is not valid JSON: {ex.Message}", where, ex);
        }
    }

    public static string? GetString(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static IReadOnlyList<string>? GetStringArray(JsonObject? obj, string name)
    {
        if (obj?[name] is not JsonArray array)
        {
            return null;
        }

        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonValue v && v.TryGetValue<string>(out var s))
            {
                list.Add(s);
            }
        }

        return list;
    }

    public static DateTimeOffset? GetDate(JsonObject? obj, string name)
    {
        var text = obj is null ? null : GetString(obj, name);
        return text is not null && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;
    }

    /// <summary>RFC 3339 as Go writes it: UTC, 'Z', fractional seconds only when there are any.</summary>
    public static string FormatDate(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        return utc.Ticks % TimeSpan.TicksPerSecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The UTF-8 bytes of a JSON node, as <c>JsonSerializer.SerializeToUtf8Bytes(node)</c> writes them
    /// (same writer, same escaping), but through the node's own writer: no reflection-based serializer
    /// is set up, which in a fresh session cost some 160 methods compiled on the first call.
    /// </summary>
    public static byte[] ToUtf8Bytes(JsonNode node, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            node.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
