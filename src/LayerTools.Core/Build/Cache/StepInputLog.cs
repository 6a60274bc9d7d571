using System.Text.Json;
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

    /// <remarks>Written as it is made (a 50,000-file COPY once built a JSON tree of 100,000 nodes first).</remarks>
    public void Record(string stepIdentity, CacheKey key)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("inputs");
            foreach (var (name, value) in Inputs(key))
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
            w.WriteStartObject("labels");
            foreach (var (name, label) in key.Labels)
            {
                w.WriteString(name, label);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        _store.Access.CreateFolder(_dir);
        _store.WriteFile(PathOf(stepIdentity), ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    /// <summary>The inputs by name; an input added more than once has its values joined by newlines.</summary>
    private static Dictionary<string, string> Inputs(CacheKey key)
    {
        var inputs = new Dictionary<string, string>(key.Inputs.Count, StringComparer.Ordinal);
        foreach (var (name, value) in key.Inputs)
        {
            inputs[name] = inputs.TryGetValue(name, out var before) ? before + "\n" + value : value ?? string.Empty;
        }

        return inputs;
    }

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

    /// <remarks>Read as it is parsed, into the two maps (no JSON tree of the whole file first).</remarks>
    private (Dictionary<string, string> Inputs, Dictionary<string, string> Labels)? Read(string stepIdentity)
    {
        var path = PathOf(stepIdentity);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            var reader = new Utf8JsonReader(File.ReadAllBytes(path));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            Dictionary<string, string>? inputs = null, labels = null;
            var bare = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject && name is "inputs" or "labels")
                {
                    var strings = Strings(ref reader);
                    (name == "inputs" ? ref inputs : ref labels) = strings;
                }
                else
                {
                    AddString(ref reader, bare, name);
                }
            }

            // A bare map of inputs is from before labels.
            return inputs is not null ? (inputs, labels ?? new Dictionary<string, string>(StringComparer.Ordinal)) : (bare, new Dictionary<string, string>(StringComparer.Ordinal));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The string members of the object the reader is at (its other members skipped); the reader ends on its end.</summary>
    private static Dictionary<string, string> Strings(ref Utf8JsonReader reader)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            AddString(ref reader, strings, name);
        }

        return strings;
    }

    /// <summary>Adds a string value; skips an object, an array or null; a number or a boolean makes the log unreadable (as any value that is not text).</summary>
    private static void AddString(ref Utf8JsonReader reader, Dictionary<string, string> strings, string name)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                strings[name] = reader.GetString()!;
                break;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                reader.Skip();
                break;
            case JsonTokenType.Null:
                break;
            default:
                throw new InvalidOperationException($"The input log's {name} is not text.");
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
