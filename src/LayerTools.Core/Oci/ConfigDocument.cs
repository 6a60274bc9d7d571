using System.Text.Json;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Oci;

/// <summary>An image config. The JSON is kept whole (unknown fields included); this reads the fields LayerTools uses.</summary>
internal sealed class ConfigDocument
{
    private ConfigDocument(JsonObject json, string architecture, string os, IReadOnlyList<string> diffIds, IReadOnlyList<HistoryRecord> history)
    {
        Json = json;
        Architecture = architecture;
        Os = os;
        DiffIds = diffIds;
        History = history;
    }

    public JsonObject Json { get; }

    public string Architecture { get; }

    public string Os { get; }

    public string? Variant => JsonDocuments.GetString(Json, "variant");

    public string? Author => JsonDocuments.GetString(Json, "author");

    public DateTimeOffset? Created => JsonDocuments.GetDate(Json, "created");

    public IReadOnlyList<string> DiffIds { get; }

    public IReadOnlyList<HistoryRecord> History { get; }

    public static ConfigDocument Parse(ReadOnlySpan<byte> bytes, string where)
    {
        var obj = JsonDocuments.ParseObject(bytes, where, "InvalidConfig");
        var architecture = JsonDocuments.GetString(obj, "architecture");
        var os = JsonDocuments.GetString(obj, "os");
        if (string.IsNullOrEmpty(architecture) || string.IsNullOrEmpty(os))
        {
            throw Invalid(where, "the config has no architecture or os");
        }

        if (obj["rootfs"] is not JsonObject rootfs || JsonDocuments.GetString(rootfs, "type") != "layers" || rootfs["diff_ids"] is not JsonArray diffIdsJson)
        {
            throw Invalid(where, "the config's rootfs is not {type: \"layers\", diff_ids: [...]}");
        }

        var diffIds = new List<string>();
        foreach (var d in diffIdsJson)
        {
            var id = d is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (!Digests.Digest.IsValid(id))
            {
                throw Invalid(where, $"rootfs.diff_ids holds '{d}', which is not a sha256 digest");
            }

            diffIds.Add(id!);
        }

        var history = new List<HistoryRecord>();
        if (obj["history"] is JsonArray historyJson)
        {
            foreach (var h in historyJson)
            {
                if (h is not JsonObject ho)
                {
                    throw Invalid(where, "a history entry is not an object");
                }

                var empty = ho["empty_layer"] is JsonValue ev && ev.TryGetValue<bool>(out var b) && b;
                history.Add(new HistoryRecord(JsonDocuments.GetDate(ho, "created"), JsonDocuments.GetString(ho, "created_by"), JsonDocuments.GetString(ho, "author"), JsonDocuments.GetString(ho, "comment"), empty));
            }
        }

        if (history.Count(h => !h.EmptyLayer) > diffIds.Count)
        {
            throw Invalid(where, $"the config's history has {history.Count(h => !h.EmptyLayer)} non-empty entries but only {diffIds.Count} layers");
        }

        return new ConfigDocument(obj, architecture, os, diffIds, history);
    }

    public ContainerConfig ReadContainerConfig()
    {
        var c = Json["config"] as JsonObject ?? Json["Config"] as JsonObject;
        if (c is null)
        {
            return new ContainerConfig();
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (c["Labels"] is JsonObject l)
        {
            foreach (var (k, v) in l)
            {
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s))
                {
                    labels[k] = s;
                }
            }
        }

        return new ContainerConfig
        {
            Env = JsonDocuments.GetStringArray(c, "Env") ?? Array.Empty<string>(),
            Cmd = JsonDocuments.GetStringArray(c, "Cmd"),
            Entrypoint = JsonDocuments.GetStringArray(c, "Entrypoint"),
            WorkingDir = JsonDocuments.GetString(c, "WorkingDir"),
            User = JsonDocuments.GetString(c, "User"),
            Labels = labels,
            ExposedPorts = (c["ExposedPorts"] as JsonObject)?.Select(p => p.Key).ToArray() ?? Array.Empty<string>(),
            Volumes = (c["Volumes"] as JsonObject)?.Select(p => p.Key).ToArray() ?? Array.Empty<string>(),
            StopSignal = JsonDocuments.GetString(c, "StopSignal"),
            Shell = JsonDocuments.GetStringArray(c, "Shell"),
            Healthcheck = ReadHealthcheck(c["Healthcheck"] as JsonObject),
            OnBuild = JsonDocuments.GetStringArray(c, "OnBuild") ?? Array.Empty<string>(),
            ArgsEscaped = c["ArgsEscaped"] is JsonValue escaped && escaped.TryGetValue<bool>(out var b) ? b : null,
            Json = c.ToJsonString(),
        };
    }

    private static HealthConfig? ReadHealthcheck(JsonObject? h)
    {
        if (h is null)
        {
            return null;
        }

        // Durations are nanoseconds (Go's time.Duration); 0 or absent leaves the runtime's default.
        static TimeSpan? Duration(JsonObject o, string name) =>
            o[name] is JsonValue v && v.TryGetValue<long>(out var ns) && ns > 0 ? TimeSpan.FromTicks(ns / 100) : null;

        return new HealthConfig
        {
            Test = JsonDocuments.GetStringArray(h, "Test") ?? Array.Empty<string>(),
            Interval = Duration(h, "Interval"),
            Timeout = Duration(h, "Timeout"),
            StartPeriod = Duration(h, "StartPeriod"),
            StartInterval = Duration(h, "StartInterval"),
            Retries = h["Retries"] is JsonValue r && r.TryGetValue<int>(out var n) && n > 0 ? n : null,
        };
    }

    /// <summary>The bytes of a new config for a stack of layers with one history entry per layer.</summary>
    public static byte[] Create(IReadOnlyList<string> diffIds, IReadOnlyList<HistoryRecord> history, DateTimeOffset created, string? os = null, string? architecture = null, JsonObject? containerConfig = null)
    {
        var historyJson = new JsonArray();
        foreach (var h in history)
        {
            var ho = new JsonObject();
            if (h.Created is { } hc)
            {
                ho["created"] = JsonDocuments.FormatDate(hc);
            }

            if (h.CreatedBy is not null)
            {
                ho["created_by"] = h.CreatedBy;
            }

            if (h.Author is not null)
            {
                ho["author"] = h.Author;
            }

            if (h.Comment is not null)
            {
                ho["comment"] = h.Comment;
            }

            if (h.EmptyLayer)
            {
                ho["empty_layer"] = true;
            }

            historyJson.Add(ho);
        }

        var obj = new JsonObject
        {
            ["architecture"] = architecture ?? HostPlatform.Architecture,
            ["os"] = os ?? HostPlatform.Os,
            ["created"] = JsonDocuments.FormatDate(created),
            ["config"] = containerConfig?.DeepClone() ?? new JsonObject(),
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
            },
            ["history"] = historyJson,
        };
        return JsonSerializer.SerializeToUtf8Bytes(obj);
    }

    private static LayerToolsException Invalid(string where, string what) =>
        new("InvalidConfig", ErrorKind.InvalidData, $"'{where}': {what}.", where);
}
