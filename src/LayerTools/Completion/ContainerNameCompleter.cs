using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;

namespace LayerTools.Completion;

/// <summary>
/// Completes container names from the store's <c>layertools/containers/*/container.json</c> files alone
/// (no image is read, nothing is created); what was read is kept until the containers folder changes.
/// </summary>
public sealed class ContainerNameCompleter : IArgumentCompleter
{
    private static readonly ConcurrentDictionary<string, (DateTime Stamp, List<string> Names)> Cache = new(StringComparer.Ordinal);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var storePath = ImageReferenceCompleter.StoreOf(fakeBoundParameters);
        foreach (var name in ReadNames(storePath))
        {
            if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
            }
        }
    }

    /// <summary>The container names of the store at <paramref name="storePath"/>, sorted; empty when there is none.</summary>
    internal static IReadOnlyList<string> ReadNames(string storePath)
    {
        var dir = Path.Combine(storePath, "layertools", "containers");
        try
        {
            if (!Directory.Exists(dir))
            {
                return Array.Empty<string>();
            }

            // A container appears and goes by a rename in this folder, which changes its mtime.
            var stamp = Directory.GetLastWriteTimeUtc(dir);
            if (Cache.TryGetValue(dir, out var cached) && cached.Stamp == stamp)
            {
                return cached.Names;
            }

            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var container in Directory.EnumerateDirectories(dir))
            {
                var file = Path.Combine(container, "container.json");
                try
                {
                    using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                    if (doc.RootElement.ValueKind == JsonValueKind.Object
                        && doc.RootElement.TryGetProperty("name", out var name)
                        && name.ValueKind == JsonValueKind.String
                        && name.GetString() is { Length: > 0 } text)
                    {
                        names.Add(text);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
                {
                    // Half-made or removed meanwhile: not offered.
                }
            }

            var list = names.ToList();
            Cache[dir] = (stamp, list);
            return list;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }
}
