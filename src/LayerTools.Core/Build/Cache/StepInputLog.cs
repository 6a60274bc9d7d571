using System.Text.Json;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Remembers the inputs of each step of the last build of a Dockerfile, so that a cache miss can say
/// what changed: which file, which build arg, the instruction, or the parent. Only for explaining:
/// keys never depend on it. Kept in layertools/cache/inputs/.
/// </summary>
internal sealed class StepInputLog
{
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

        var changed = new List<string>();
        var now = key.Inputs.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(i => i.Value)), StringComparer.Ordinal);
        foreach (var (name, value) in now)
        {
            if (!previous.TryGetValue(name, out var before) || before != value)
            {
                changed.Add(Describe(name, before is null ? "added" : "changed"));
            }
        }

        foreach (var name in previous.Keys.Where(k => !now.ContainsKey(k)))
        {
            changed.Add(Describe(name, "removed"));
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
        var map = key.Inputs.GroupBy(i => i.Key).ToDictionary(g => g.Key, g => string.Join("\n", g.Select(i => i.Value)), StringComparer.Ordinal);
        _store.Access.CreateFolder(_dir);
        _store.WriteFile(PathOf(stepIdentity), JsonSerializer.SerializeToUtf8Bytes(map));
    }

    private Dictionary<string, string>? Read(string stepIdentity)
    {
        var path = PathOf(stepIdentity);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(string name, string how)
    {
        var colon = name.IndexOf(':');
        var (kind, what) = colon < 0 ? (name, string.Empty) : (name[..colon], name[(colon + 1)..]);
        return kind switch
        {
            "file" => $"file {how}: {what}",
            "arg" => $"build arg {how}: {what}",
            "parent" => "the parent changed",
            "instruction" => "the instruction changed",
            _ => $"{kind} {how}",
        };
    }

    private string PathOf(string stepIdentity) => Path.Combine(_dir, Digest.Hex(Digest.Of(stepIdentity)) + ".json");
}
