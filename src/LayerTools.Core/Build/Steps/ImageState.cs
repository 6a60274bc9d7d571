using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// The image a build stage is making, step by step: the whole config JSON (unknown fields of the base
/// kept), its layers and history. Metadata instructions change <see cref="RuntimeConfig"/> and add an
/// empty-layer history record; file-changing instructions add a layer and a record.
/// </summary>
internal sealed class ImageState
{
    private ImageState(JsonObject config, List<string> diffIds)
    {
        Config = config;
        DiffIds = diffIds;
    }

    /// <summary>The whole config document being built.</summary>
    public JsonObject Config { get; }

    public List<string> DiffIds { get; }

    /// <summary>The config's "config" object: Env, Cmd, Entrypoint, WorkingDir, User, Labels, …</summary>
    public JsonObject RuntimeConfig => Config["config"] as JsonObject ?? (JsonObject)(Config["config"] = new JsonObject());

    public JsonArray History => Config["history"] as JsonArray ?? (JsonArray)(Config["history"] = new JsonArray());

    /// <summary>The PATH BuildKit gives a Linux stage whose base sets none: the one a RUN gets without one.</summary>
    public const string DefaultPath = Run.RunRequest.DefaultPathValue;

    public static ImageState Scratch(string? os = null, string? architecture = null) => new(
        new JsonObject
        {
            ["architecture"] = architecture ?? HostPlatform.Architecture,
            ["os"] = os ?? HostPlatform.Os,
            ["config"] = new JsonObject { ["WorkingDir"] = "/" },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray() },
            ["history"] = new JsonArray(),
        },
        new List<string>());

    public static ImageState From(ConfigDocument config)
    {
        var json = (JsonObject)config.Json.DeepClone();
        json.Remove("container");
        json.Remove("container_config");
        json.Remove(InlineCache.Field);
        return new ImageState(json, config.DiffIds.ToList());
    }

    /// <summary>Removes the runtime config's fields that hold nothing ("", false, null, [], {}), as an OCI config written with omitempty does.</summary>
    public void DropEmptyRuntimeFields()
    {
        var config = RuntimeConfig;
        foreach (var (name, value) in config.ToList())
        {
            var empty = value switch
            {
                null => true,
                JsonArray a => a.Count == 0,
                JsonObject o => o.Count == 0,
                JsonValue v when v.TryGetValue<string>(out var text) => text.Length == 0,
                JsonValue v when v.TryGetValue<bool>(out var flag) => !flag,
                _ => false,
            };
            if (empty)
            {
                config.Remove(name);
            }
        }
    }

    public string? ChainId => Digests.ChainId.Of(DiffIds);

    /// <summary>Identifies the state a step starts from: the layer stack and the runtime config, not the timestamps.</summary>
    public string StateKey => Digest.Of(
        "chain:" + (ChainId ?? "scratch") + "\nos:" + JsonDocuments.GetString(Config, "os") + "/" + JsonDocuments.GetString(Config, "architecture")
        + "\nconfig:" + CanonicalJson.ToText(RuntimeConfig));

    public IReadOnlyList<string> Env => JsonDocuments.GetStringArray(RuntimeConfig, "Env") ?? Array.Empty<string>();

    public string? GetEnv(string name)
    {
        foreach (var e in Env)
        {
            var eq = e.IndexOf('=');
            if (eq > 0 && e.AsSpan(0, eq).SequenceEqual(name))
            {
                return e[(eq + 1)..];
            }
        }

        return null;
    }

    public void SetEnv(string name, string value)
    {
        var list = Env.ToList();
        var at = list.FindIndex(e => e.StartsWith(name + "=", StringComparison.Ordinal));
        if (at >= 0)
        {
            list[at] = name + "=" + value;
        }
        else
        {
            list.Add(name + "=" + value);
        }

        RuntimeConfig["Env"] = StringArray(list);
    }

    public string WorkingDir
    {
        get => JsonDocuments.GetString(RuntimeConfig, "WorkingDir") is { Length: > 0 } w ? w : "/";
        set => RuntimeConfig["WorkingDir"] = value;
    }

    public string? User
    {
        get => JsonDocuments.GetString(RuntimeConfig, "User");
        set => RuntimeConfig["User"] = value;
    }

    public IReadOnlyList<string>? Shell => JsonDocuments.GetStringArray(RuntimeConfig, "Shell");

    public void SetList(string field, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            RuntimeConfig.Remove(field);
        }
        else
        {
            RuntimeConfig[field] = StringArray(values);
        }
    }

    /// <summary>Adds keys of a set-like field (ExposedPorts, Volumes): {"80/tcp": {}}.</summary>
    public void AddToSet(string field, IEnumerable<string> keys)
    {
        var set = RuntimeConfig[field] as JsonObject ?? (JsonObject)(RuntimeConfig[field] = new JsonObject());
        foreach (var key in keys)
        {
            set[key] = new JsonObject();
        }
    }

    public void SetLabel(string key, string value)
    {
        var labels = RuntimeConfig["Labels"] as JsonObject ?? (JsonObject)(RuntimeConfig["Labels"] = new JsonObject());
        labels[key] = value;
    }

    public void SetValue(string field, JsonNode? value)
    {
        if (value is null)
        {
            RuntimeConfig.Remove(field);
        }
        else
        {
            RuntimeConfig[field] = value;
        }
    }

    public void AddHistory(string createdBy, DateTimeOffset created, string? comment, bool emptyLayer)
    {
        var h = new JsonObject { ["created"] = JsonDocuments.FormatDate(created), ["created_by"] = createdBy };
        if (comment is not null)
        {
            h["comment"] = comment;
        }

        if (emptyLayer)
        {
            h["empty_layer"] = true;
        }

        History.Add(h);
    }

    public void AddLayer(string diffId, string createdBy, DateTimeOffset created, string? comment)
    {
        DiffIds.Add(diffId);
        AddHistory(createdBy, created, comment, emptyLayer: false);
    }

    /// <summary>The config bytes of the finished image.</summary>
    public byte[] ToConfigBytes(DateTimeOffset created, JsonArray? inlineCache = null)
    {
        var json = (JsonObject)Config.DeepClone();
        json["created"] = JsonDocuments.FormatDate(created);
        json["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = StringArray(DiffIds) };
        if (inlineCache is { Count: > 0 })
        {
            json[InlineCache.Field] = inlineCache;
        }

        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    public ImageState Clone() => new((JsonObject)Config.DeepClone(), DiffIds.ToList());

    private static JsonArray StringArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
