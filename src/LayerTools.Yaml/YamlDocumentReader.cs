using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LayerTools.Yaml;

/// <summary>
/// Reads one YAML document into System.Text.Json nodes, with the line of every node by its JSON
/// pointer ("/stages/0/steps/2"), so that callers can name lines in their errors without seeing a
/// YamlDotNet type. Scalars stay strings unless plain and clearly boolean, null or numeric.
/// </summary>
public static class YamlDocumentReader
{
    /// <summary>Parses <paramref name="yaml"/>; throws <see cref="FormatException"/> with "line N:" in the message on bad YAML.</summary>
    public static JsonNode? Read(string yaml, out IReadOnlyDictionary<string, int> lines)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        lines = map;
        var parser = new Parser(new StringReader(yaml));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, string.Empty, map, new Dictionary<string, JsonNode?>(StringComparer.Ordinal), 0);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                throw new FormatException($"line {parser.Current?.Start.Line}: only one YAML document is allowed.");
            }

            return root;
        }
        catch (YamlException ex)
        {
            throw new FormatException($"line {ex.Start.Line}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's Consume<T> when the next event is of another kind (e.g. a non-scalar key).
            throw new FormatException($"line {parser.Current?.Start.Line}: unexpected YAML structure ({ex.Message}).", ex);
        }
    }

    private static JsonNode? ReadNode(IParser parser, string pointer, Dictionary<string, int> lines, Dictionary<string, JsonNode?> anchors, int depth)
    {
        if (depth > 64)
        {
            throw new FormatException($"line {parser.Current?.Start.Line}: the YAML nests too deeply.");
        }

        lines[pointer] = (int)(parser.Current?.Start.Line ?? 0);
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target?.DeepClone()
                : throw new FormatException($"line {alias.Start.Line}: unknown alias *{alias.Value.Value}.");
        }

        if (parser.TryConsume<Scalar>(out var scalar))
        {
            var value = ScalarValue(scalar);
            Remember(anchors, scalar.Anchor, value);
            return value;
        }

        if (parser.TryConsume<SequenceStart>(out var seq))
        {
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(ReadNode(parser, pointer + "/" + array.Count.ToString(CultureInfo.InvariantCulture), lines, anchors, depth + 1));
            }

            Remember(anchors, seq.Anchor, array);
            return array;
        }

        if (parser.TryConsume<MappingStart>(out var mapStart))
        {
            var obj = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyEvent = parser.Consume<Scalar>();
                var key = keyEvent.Value;
                if (obj.ContainsKey(key))
                {
                    throw new FormatException($"line {keyEvent.Start.Line}: key '{key}' appears twice.");
                }

                var childPointer = pointer + "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
                obj[key] = ReadNode(parser, childPointer, lines, anchors, depth + 1);
                lines[childPointer] = (int)keyEvent.Start.Line;
            }

            Remember(anchors, mapStart.Anchor, obj);
            return obj;
        }

        throw new FormatException($"line {parser.Current?.Start.Line}: unexpected YAML content.");
    }

    private static void Remember(Dictionary<string, JsonNode?> anchors, AnchorName anchor, JsonNode? value)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = value?.DeepClone();
        }
    }

    private static JsonNode? ScalarValue(Scalar scalar)
    {
        var text = scalar.Value;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        return JsonValue.Create(text);
    }
}
