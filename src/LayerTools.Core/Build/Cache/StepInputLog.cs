using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Remembers the inputs of each step of the last build of a Dockerfile, so that a cache miss can say
/// what changed: which file (by its path in the build context) and how (content, mode, owner, type,
/// added, removed), which build arg, the instruction, or the parent. Only for explaining: keys never
/// depend on it. Kept in layertools/cache/inputs/, one JSON file per step:
/// <c>{"inputs": {name: value}, "labels": {name: context path}}</c> (a bare map of inputs from before labels is read too).
/// </summary>
internal sealed class StepInputLog
{
    /// <summary>The fields of a copied file's input, in the order <c>CopyPlan.AddToKey</c> writes them, and the kind of change each one is.</summary>
    private static readonly string[] FileFields = { "type", "mode", "owner", "owner", "content", "content", "content" };

    private readonly LayerStore _store;
    private readonly string _dir;

    public StepInputLog(LayerStore store)
    {
        _store = store;
        _dir = Path.Combine(store.DataDir, "cache", "inputs");
    }

    /// <summary>Why <paramref name="key"/> missed, against what the same step had last time.</summary>
    public string Explain(string stepIdentity, CacheKey key)
    {
        var previous = Read(stepIdentity);
        if (previous is null)
        {
            return "not in the cache (first build of this step)";
        }

        var (before, beforeLabels) = previous.Value;
        var changed = new List<string>();
        var now = Inputs(key);
        var labels = key.Labels;
        string Label(string name) => labels.TryGetValue(name, out var l) || beforeLabels.TryGetValue(name, out l) ? (l.Length == 0 ? "." : l) : name[(name.IndexOf(':') + 1)..];
        foreach (var (name, value) in now)
        {
            if (!before.TryGetValue(name, out var old))
            {
                changed.Add(Describe(name, "added", Label(name)));
            }
            else if (old != value)
            {
                changed.Add(Describe(name, name.StartsWith("file:", StringComparison.Ordinal) ? $"changed ({HowFileChanged(old, value)})" : "changed", Label(name)));
            }
        }

        foreach (var name in before.Keys.Where(k => !now.ContainsKey(k)))
        {
            changed.Add(Describe(name, "removed", Label(name)));
        }

        if (changed.Count == 0)
        {
            return "not in the cache (its layer was removed)";
        }

        var shown = changed.Take(3).ToList();
        return string.Join("; ", shown) + (changed.Count > 3 ? $"; and {changed.Count - 3} more" : string.Empty);
    }

    public void Record(string stepIdentity, CacheKey key)
    {
        var inputs = new JsonObject();
        foreach (var (name, value) in Inputs(key))
        {
            inputs[name] = value;
        }

        var labels = new JsonObject();
        foreach (var (name, label) in key.Labels)
        {
            labels[name] = label;
        }

        _store.Access.CreateFolder(_dir);
        _store.WriteFile(PathOf(stepIdentity), JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["inputs"] = inputs, ["labels"] = labels }));
    }

    private static Dictionary<string, string> Inputs(CacheKey key) =>
        key.Inputs.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(i => i.Value)), StringComparer.Ordinal);

    /// <summary>Which fields of a copied file's input differ: "content", "mode", "owner", "type", or several.</summary>
    private static string HowFileChanged(string before, string now)
    {
        var a = before.Split('\u001f');
        var b = now.Split('\u001f');
        if (a.Length != FileFields.Length || b.Length != FileFields.Length)
        {
            return "content";
        }

        var kinds = Enumerable.Range(0, FileFields.Length).Where(i => a[i] != b[i]).Select(i => FileFields[i]).Distinct().ToList();
        return kinds.Contains("type") ? "type" : string.Join(", ", kinds);
    }

    private (Dictionary<string, string> Inputs, Dictionary<string, string> Labels)? Read(string stepIdentity)
    {
        var path = PathOf(stepIdentity);
        try
        {
            if (!File.Exists(path) || JsonNode.Parse(File.ReadAllBytes(path)) is not JsonObject json)
            {
                return null;
            }

            static Dictionary<string, string> Strings(JsonObject o) => o.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
            return json["inputs"] is JsonObject inputs
                ? (Strings(inputs), json["labels"] is JsonObject labels ? Strings(labels) : new Dictionary<string, string>(StringComparer.Ordinal))
                : (Strings(json), new Dictionary<string, string>(StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static string Describe(string name, string how, string label)
    {
        var colon = name.IndexOf(':');
        var kind = colon < 0 ? name : name[..colon];
        return kind switch
        {
            "file" => $"file {how}: {label}",
            "arg" => $"build arg {how}: {name[(colon + 1)..]}",
            "parent" => "the parent changed",
            "instruction" => "the instruction changed",
            _ => $"{kind} {how}",
        };
    }

    private string PathOf(string stepIdentity) => Path.Combine(_dir, Digest.Hex(Digest.Of(stepIdentity)) + ".json");
}
