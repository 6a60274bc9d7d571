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
    /// <remarks>
    /// Compared by 64-bit hashes of names and values (a 50,000-file COPY once held both builds' inputs
    /// as 200,000 strings); only the few changes it names are looked up again as text.
    /// </remarks>
    public string Explain(string stepIdentity, CacheKey key)
    {
        var json = ReadLog(stepIdentity);
        var before = json is null ? null : Hashes(json);
        if (before is null)
        {
            return "not in the cache (first build of this step)";
        }

        var now = new Dictionary<ulong, ulong>();
        foreach (var input in key.Inputs)
        {
            AddHash(now, input.Name, input.Value ?? string.Empty);
        }

        // In the order the old dictionaries gave: added and changed inputs as now, then removed ones as before.
        var changed = new List<(ulong Name, string How)>();
        var count = 0;
        void Note(ulong name, string how)
        {
            if (count++ < 3)
            {
                changed.Add((name, how));
            }
        }

        foreach (var (name, value) in now)
        {
            if (!before.TryGetValue(name, out var old))
            {
                Note(name, "added");
            }
            else if (old != value)
            {
                Note(name, "changed");
            }
        }

        foreach (var name in before.Keys.Where(k => !now.ContainsKey(k)))
        {
            Note(name, "removed");
        }

        if (count == 0)
        {
            return "not in the cache (its layer was removed)";
        }

        // The names, values and labels of the changes shown, as text.
        var wanted = changed.Select(c => c.Name).ToHashSet();
        var nowText = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        foreach (var input in key.Inputs)
        {
            Keep(nowText, wanted, input.Name, input.Value ?? string.Empty, input.Label);
        }

        var beforeInputs = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        var beforeBare = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        var beforeLabels = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        Walk(json!, out var hasInputs, (section, name, value) =>
        {
            var into = section == "labels" ? beforeLabels : section.Length == 0 ? beforeBare : beforeInputs;
            Keep(into, wanted, name, section == "labels" ? null : value, section == "labels" ? value : null);
        });
        var beforeText = hasInputs ? beforeInputs : beforeBare;
        foreach (var (h, labelled) in beforeLabels)
        {
            beforeText.TryGetValue(h, out var t);
            beforeText[h] = (t.Name ?? labelled.Name, t.Value, labelled.Label);
        }

        string Label(ulong name, string text)
        {
            var l = nowText.TryGetValue(name, out var n) && n.Label is not null ? n.Label : beforeText.TryGetValue(name, out var b) ? b.Label : null;
            return l is null ? text[(text.IndexOf(':') + 1)..] : l.Length == 0 ? "." : l;
        }

        var shown = changed.Select(c =>
        {
            var text = nowText.TryGetValue(c.Name, out var n) ? n : beforeText[c.Name];
            var how = c.How == "changed" && text.Name.StartsWith("file:", StringComparison.Ordinal) ? $"changed ({HowFileChanged(beforeText[c.Name].Value ?? string.Empty, nowText[c.Name].Value ?? string.Empty)})" : c.How;
            return Describe(text.Name, how, Label(c.Name, text.Name));
        });
        return string.Join("; ", shown) + (count > 3 ? $"; and {count - 3} more" : string.Empty);
    }

    /// <remarks>Written as it is made, straight to the file (a 50,000-file COPY once built a JSON tree of 100,000 nodes first, then a 16 MB buffer).</remarks>
    public void Record(string stepIdentity, CacheKey key)
    {
        _store.Access.CreateFolder(_dir);
        _store.WriteFile(PathOf(stepIdentity), stream =>
        {
            using var w = new Utf8JsonWriter(stream);
            w.WriteStartObject();
            w.WriteStartObject("inputs");
            foreach (var (name, value) in Joined(key))
            {
                w.WriteString(name, value);
                FlushSome(w);
            }

            w.WriteEndObject();
            w.WriteStartObject("labels");
            var labelled = new HashSet<ulong>();
            foreach (var input in key.Inputs)
            {
                // The first label of a name, as the dictionary of labels gave it.
                if (input.Label is { } label && labelled.Add(Hash(input.Name)))
                {
                    w.WriteString(input.Name, label);
                    FlushSome(w);
                }
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static void FlushSome(Utf8JsonWriter w)
    {
        if (w.BytesPending > 65536)
        {
            w.Flush();
        }
    }

    /// <summary>The inputs by name in the order first added; an input added more than once has its values joined by newlines.</summary>
    /// <remarks>Only names that repeat are held as text (few: the --exclude patterns); the others are passed through.</remarks>
    private static IEnumerable<(string Name, string Value)> Joined(CacheKey key)
    {
        var seen = new Dictionary<ulong, int>();
        var repeated = new Dictionary<ulong, string>();
        foreach (var input in key.Inputs)
        {
            var h = Hash(input.Name);
            if (seen.TryGetValue(h, out var n))
            {
                seen[h] = n + 1;
                repeated[h] = repeated.TryGetValue(h, out var v) ? v + "\n" + (input.Value ?? string.Empty) : input.Value ?? string.Empty;
            }
            else
            {
                seen[h] = 1;
            }
        }

        var written = new HashSet<ulong>();
        foreach (var input in key.Inputs)
        {
            var h = Hash(input.Name);
            if (seen[h] == 1)
            {
                yield return (input.Name, input.Value ?? string.Empty);
            }
            else if (written.Add(h))
            {
                yield return (input.Name, (input.Value ?? string.Empty) + "\n" + repeated[h]);
            }
        }
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

    private byte[]? ReadLog(string stepIdentity)
    {
        var path = PathOf(stepIdentity);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>The log's inputs as hashes of name and value (a bare map of inputs from before labels too); null when the log does not parse.</summary>
    private static Dictionary<ulong, ulong>? Hashes(byte[] json)
    {
        var inputs = new Dictionary<ulong, ulong>();
        var bare = new Dictionary<ulong, ulong>();
        if (!Walk(json, out var hasInputs, (section, name, value) =>
            {
                if (section.Length == 0 || section == "inputs")
                {
                    AddHash(section.Length == 0 ? bare : inputs, name, value);
                }
            }))
        {
            return null;
        }

        return hasInputs ? inputs : bare;
    }

    /// <summary>
    /// Reads the log as it is parsed: <paramref name="visit"/> gets each string member of "inputs" and
    /// "labels" and each top-level string (section ""); objects, arrays and nulls elsewhere are skipped;
    /// false when the log does not parse or holds a value that is not text.
    /// </summary>
    private static bool Walk(byte[] json, out bool hasInputs, Action<string, string, string> visit)
    {
        hasInputs = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject && name is "inputs" or "labels")
                {
                    hasInputs |= name == "inputs";
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var member = reader.GetString()!;
                        reader.Read();
                        Visit(ref reader, name, member, visit);
                    }
                }
                else
                {
                    Visit(ref reader, string.Empty, name, visit);
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>A string value is visited; an object, an array or null is skipped; a number or a boolean makes the log unreadable (as any value that is not text).</summary>
    private static void Visit(ref Utf8JsonReader reader, string section, string name, Action<string, string, string> visit)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                visit(section, name, reader.GetString()!);
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

    /// <summary>Adds a name's value hash; a name given again has its values joined by a newline (the hash goes on over "\n" and the value).</summary>
    private static void AddHash(Dictionary<ulong, ulong> hashes, string name, string value)
    {
        var h = Hash(name);
        hashes[h] = hashes.TryGetValue(h, out var before) ? Hash(value, Hash("\n", before)) : Hash(value);
    }

    /// <summary>Keeps the text of a wanted name: its first value and its first label.</summary>
    private static void Keep(Dictionary<ulong, (string Name, string? Value, string? Label)> texts, HashSet<ulong> wanted, string name, string? value, string? label)
    {
        var h = Hash(name);
        if (!wanted.Contains(h))
        {
            return;
        }

        texts.TryGetValue(h, out var t);
        texts[h] = (name, t.Value ?? value, t.Label ?? label);
    }

    /// <summary>FNV-1a, 64 bits, over the UTF-16 code units (continuing from <paramref name="basis"/>).</summary>
    private static ulong Hash(string text, ulong basis = 14695981039346656037UL)
    {
        var h = basis;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
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
