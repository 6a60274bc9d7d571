using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Reads the archive <c>docker save</c> wrote before Docker 1.10: no manifest.json, one directory
/// per layer (<c>&lt;id&gt;/json</c> with a <c>parent</c> link, <c>&lt;id&gt;/layer.tar</c>) and names in
/// <c>repositories</c>. As Docker's loader did, the image config is made from the top layer's v1 JSON
/// (its v1-only fields dropped), with rootfs from the layers read and one history entry per layer.
/// </summary>
internal static partial class LegacyArchiveReader
{
    public const string RepositoriesFile = "repositories";
    private const int MaxDepth = 1000;

    public static bool IsLegacyArchive(ArchiveSource source) =>
        source.RootDirectories().Any(d => V1Id().IsMatch(d) && source.Exists(d + "/json") && source.Exists(d + "/layer.tar"));

    public static List<ImportCandidate> Read(ArchiveSource source, IngestLimits limits)
    {
        var tops = new Dictionary<string, List<ImageReference>>(StringComparer.Ordinal);
        if (source.Find(RepositoriesFile) is not null)
        {
            var where = $"{source.Where}: {RepositoriesFile}";
            var repositories = JsonDocuments.ParseObject(source.ReadAll(RepositoriesFile, limits.MaxManifestJsonBytes, "repositories file"), where, "InvalidArchiveManifest");
            foreach (var (name, tags) in repositories)
            {
                if (tags is not JsonObject tagMap)
                {
                    continue;
                }

                foreach (var (tag, idNode) in tagMap)
                {
                    var id = idNode is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                    if (id is null || !V1Id().IsMatch(id))
                    {
                        throw new LayerToolsException("InvalidArchiveManifest", ErrorKind.InvalidData, $"'{where}': {name}:{tag} names '{id}', which is not a layer ID.", where);
                    }

                    var reference = ImageNames.ParseFamiliar(name + ":" + tag)
                        ?? throw new LayerToolsException("InvalidArchiveName", ErrorKind.InvalidData, $"'{where}': '{name}:{tag}' is not a valid name:tag.", name);
                    if (!tops.TryGetValue(id, out var names))
                    {
                        tops[id] = names = new List<ImageReference>();
                    }

                    names.Add(reference);
                }
            }
        }

        if (tops.Count == 0)
        {
            // Nothing is named: import each layer no other layer builds on, untagged.
            var ids = source.RootDirectories().Where(d => V1Id().IsMatch(d) && source.Exists(d + "/json")).ToList();
            var parents = ids.Select(id => ParentOf(ReadV1(source, id, limits))).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var id in ids.Where(id => !parents.Contains(id)))
            {
                tops[id] = new List<ImageReference>();
            }
        }

        var candidates = new List<ImportCandidate>();
        foreach (var (top, names) in tops.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var candidate = ReadImage(source, top, limits);
            candidate.Names.AddRange(names);
            candidates.Add(candidate);
        }

        return candidates;
    }

    private static ImportCandidate ReadImage(ArchiveSource source, string top, IngestLimits limits)
    {
        // Walk the parent links down to the base layer.
        var chain = new List<(string Id, JsonObject Json)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var id = top; id is not null; id = ParentOf(chain[^1].Json))
        {
            if (!seen.Add(id) || chain.Count >= MaxDepth)
            {
                throw new LayerToolsException("InvalidArchiveManifest", ErrorKind.InvalidData, $"'{source.Where}': the parent links from layer {top} loop or run deeper than {MaxDepth}.", top);
            }

            chain.Add((id, ReadV1(source, id, limits)));
        }

        chain.Reverse();
        var layers = chain.Select((c, i) =>
        {
            var path = c.Id + "/layer.tar";
            return new LayerSource($"{source.Where}: {path}", () => source.Open(source.Get(path, $"layer {i + 1} of {chain.Count}")));
        }).ToList();
        var topJson = chain[^1].Json;
        var history = chain.Select(c => HistoryOf(c.Json)).ToList();
        return new ImportCandidate($"{source.Where}: {top}/json", layers, null, diffIds => MakeConfig(topJson, diffIds, history));
    }

    private static JsonObject ReadV1(ArchiveSource source, string id, IngestLimits limits) =>
        JsonDocuments.ParseObject(source.ReadAll(id + "/json", limits.MaxConfigBytes, "legacy layer config"), $"{source.Where}: {id}/json", "InvalidConfig");

    private static string? ParentOf(JsonObject v1)
    {
        var parent = JsonDocuments.GetString(v1, "parent");
        return string.IsNullOrEmpty(parent) ? null : parent;
    }

    /// <summary>A history entry from a v1 layer config: its created time, author, comment, and the command that made it.</summary>
    private static JsonObject HistoryOf(JsonObject v1)
    {
        var entry = new JsonObject();
        if (JsonDocuments.GetString(v1, "created") is { } created)
        {
            entry["created"] = created;
        }

        if (JsonDocuments.GetString(v1, "author") is { Length: > 0 } author)
        {
            entry["author"] = author;
        }

        var cmd = JsonDocuments.GetStringArray(v1["container_config"] as JsonObject, "Cmd");
        if (cmd is { Count: > 0 })
        {
            entry["created_by"] = string.Join(' ', cmd);
        }

        if (JsonDocuments.GetString(v1, "comment") is { Length: > 0 } comment)
        {
            entry["comment"] = comment;
        }

        return entry;
    }

    private static byte[] MakeConfig(JsonObject topV1, IReadOnlyList<string> diffIds, List<JsonObject> history)
    {
        string[] dropped = ["id", "parent", "Size", "parent_id", "layer_id", "throwaway"];
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in topV1)
        {
            if (!dropped.Contains(key))
            {
                fields[key] = value?.DeepClone();
            }
        }

        if (fields.GetValueOrDefault("os") is not JsonValue)
        {
            fields["os"] = HostPlatform.Os;
        }

        if (fields.GetValueOrDefault("architecture") is not JsonValue)
        {
            fields["architecture"] = HostPlatform.Architecture;
        }

        fields["rootfs"] = new JsonObject
        {
            ["type"] = "layers",
            ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
        };
        fields["history"] = new JsonArray(history.Select(h => (JsonNode)h.DeepClone()).ToArray());
        var config = new JsonObject();
        foreach (var (key, value) in fields)
        {
            config[key] = value;
        }

        return JsonSerializer.SerializeToUtf8Bytes(config);
    }

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex V1Id();
}
