using System.Collections.Concurrent;
using System.Text.Json;

namespace LayerTools.Completion;

/// <summary>
/// What a completer made of a store's index.json, kept until the file changes (its time and length):
/// Tab is pressed often, the index changes rarely. A store that is not there, or cannot be read, gives nothing.
/// </summary>
internal sealed class IndexJsonCache
{
    private readonly ConcurrentDictionary<string, ((DateTime, long) Stamp, IReadOnlyList<string> Names)> _cache = new(StringComparer.Ordinal);
    private readonly Func<string, byte[], IReadOnlyList<string>> _parse;

    /// <param name="parse">(store path, index.json bytes) → the names completed from it.</param>
    public IndexJsonCache(Func<string, byte[], IReadOnlyList<string>> parse) => _parse = parse;

    public IReadOnlyList<string> Read(string storePath)
    {
        var indexJson = Path.Combine(storePath, "index.json");
        try
        {
            var info = new FileInfo(indexJson);
            if (!info.Exists)
            {
                return Array.Empty<string>();
            }

            var stamp = (info.LastWriteTimeUtc, info.Length);
            if (_cache.TryGetValue(indexJson, out var cached) && cached.Stamp == stamp)
            {
                return cached.Names;
            }

            var names = _parse(storePath, File.ReadAllBytes(indexJson));
            _cache[indexJson] = (stamp, names);
            return names;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException)
        {
            return Array.Empty<string>();
        }
    }
}
