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
        var json = PathOf(stepIdentity);
        var before = File.Exists(json) ? Hashes(json) : null;
        if (before is null)
        {
            return "not in the cache (first build of this step)";
        }

        // One pass over the inputs (made again), in the order the old dictionaries gave: added and
        // changed inputs as now, then removed ones as before; a repeated name once, its values joined.
        var repeated = key.Repeated();
        var joinedSeen = new HashSet<string>(StringComparer.Ordinal);
        var changed = new List<(ulong Name, string How)>();
        var nowText = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        var count = 0;
        foreach (var input in key.Inputs)
        {
            var value = input.Value ?? string.Empty;
            if (repeated.TryGetValue(input.Name, out var joined))
            {
                if (!joinedSeen.Add(input.Name))
                {
                    continue;
                }

                value = joined;
            }

            var h = Hash(input.Name);
            var how = !before.Remove(h, out var old) ? "added" : old != Hash(value) ? "changed" : null;
            if (how is not null && count++ < 3)
            {
                changed.Add((h, how));
                nowText[h] = (input.Name, value, input.Label);
            }
        }

        foreach (var name in before.Keys)
        {
            if (count++ < 3)
            {
                changed.Add((name, "removed"));
            }
        }

        if (count == 0)
        {
            return "not in the cache (its layer was removed)";
        }

        // The before side of the changes shown, as text (the log read again; only those names made strings).
        var wanted = changed.Select(c => c.Name).ToHashSet();
        var beforeInputs = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        var beforeBare = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        var beforeLabels = new Dictionary<ulong, (string Name, string? Value, string? Label)>();
        Walk(json, out var hasInputs, (section, name, value) =>
        {
            var h = Hash(name);
            if (wanted.Contains(h))
            {
                var labels = section == "labels";
                var into = labels ? beforeLabels : section.Length == 0 ? beforeBare : beforeInputs;
                into.TryGetValue(h, out var t);
                into[h] = (name.ToString(), t.Value ?? (labels ? null : value.ToString()), t.Label ?? (labels ? value.ToString() : null));
            }
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
        var repeated = key.Repeated();
        _store.WriteFile(PathOf(stepIdentity), stream =>
        {
            using var w = new Utf8JsonWriter(stream);
            w.WriteStartObject();

            // By name, each once, in the order first added (a repeated name's values joined, at its first place).
            w.WriteStartObject("inputs");
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var input in key.Inputs)
            {
                if (!repeated.TryGetValue(input.Name, out var joined))
                {
                    w.WriteString(input.Name, input.Value ?? string.Empty);
                }
                else if (written.Add(input.Name))
                {
                    w.WriteString(input.Name, joined);
                }

                FlushSome(w);
            }

            w.WriteEndObject();
            w.WriteStartObject("labels");
            var labelled = new HashSet<string>(StringComparer.Ordinal);
            foreach (var input in key.Inputs)
            {
                // A name's first label.
                if (input.Label is { } label && (!repeated.ContainsKey(input.Name) || labelled.Add(input.Name)))
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

    /// <summary>The log's inputs as hashes of name and value (a bare map of inputs from before labels too); null when the log does not parse.</summary>
    private static Dictionary<ulong, ulong>? Hashes(string json)
    {
        var inputs = new Dictionary<ulong, ulong>();
        var bare = new Dictionary<ulong, ulong>();
        if (!Walk(json, out var hasInputs, (section, name, value) =>
            {
                if (section.Length == 0 || section == "inputs")
                {
                    var into = section.Length == 0 ? bare : inputs;
                    var h = Hash(name);
                    into[h] = into.TryGetValue(h, out var before) ? Hash(value, Hash("\n", before)) : Hash(value);
                }
            }))
        {
            return null;
        }

        return hasInputs ? inputs : bare;
    }

    /// <summary>
    /// Reads the log as it is parsed, a buffer at a time (the log of a 50,000-file COPY is ~9 MB):
    /// <paramref name="visit"/> gets each string member of "inputs" and "labels" and each top-level
    /// string (section ""); objects, arrays and nulls elsewhere are skipped; false when the log does
    /// not parse or holds a value that is not text.
    /// </summary>
    private static bool Walk(string path, out bool hasInputs, LogVisit visit)
    {
        hasInputs = false;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            var buffer = new byte[65536];
            var filled = 0;
            var final = false;
            var state = default(JsonReaderState);
            var walk = new LogWalk();
            while (true)
            {
                if (!final)
                {
                    var n = file.Read(buffer, filled, buffer.Length - filled);
                    final = n == 0;
                    filled += n;
                }

                var reader = new Utf8JsonReader(buffer.AsSpan(0, filled), final, state);
                while (!walk.Done && reader.Read())
                {
                    if (!walk.Next(ref reader, visit))
                    {
                        return false;
                    }
                }

                if (walk.Done || final)
                {
                    hasInputs = walk.HasInputs;
                    return walk.Done;
                }

                state = reader.CurrentState;
                var consumed = (int)reader.BytesConsumed;
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length)
                {
                    // One token larger than the buffer.
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>FNV-1a, 64 bits, over the UTF-16 code units (continuing from <paramref name="basis"/>).</summary>
    private static ulong Hash(ReadOnlySpan<char> text, ulong basis = 14695981039346656037UL)
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
