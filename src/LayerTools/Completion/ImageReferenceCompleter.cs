using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Completion;

/// <summary>
/// Completes image references (name:tag) from the store's index.json alone, and an image ID prefix
/// (hex digits) from the manifests it lists (<see cref="ImageIdNames"/>): no config is read,
/// nothing is created, and what was read is kept until index.json changes.
/// </summary>
public sealed class ImageReferenceCompleter : IArgumentCompleter
{
    private static readonly IndexJsonCache Names = new(Parse);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var storePath = StoreOf(fakeBoundParameters);
        foreach (var name in ReadNames(storePath))
        {
            if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(Quote(name), name, CompletionResultType.ParameterValue, name);
            }
        }

        // An image ID prefix: the only name an untagged image has, and a short way to any image.
        foreach (var id in ImageIdNames.Beginning(storePath, word))
        {
            yield return new CompletionResult(id, id, CompletionResultType.ParameterValue, "image ID " + id);
        }
    }

    /// <summary>The image names of the store at <paramref name="storePath"/>, sorted; empty when there is no store.</summary>
    internal static IReadOnlyList<string> ReadNames(string storePath) => Names.Read(storePath);

    private static List<string> Parse(string storePath, byte[] json)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind == JsonValueKind.Object
            && doc.RootElement.TryGetProperty("manifests", out var manifests)
            && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in manifests.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object
                    || !m.TryGetProperty("annotations", out var annotations)
                    || annotations.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var strings = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var annotation in annotations.EnumerateObject())
                {
                    if (annotation.Value.ValueKind == JsonValueKind.String)
                    {
                        strings[annotation.Name] = annotation.Value.GetString()!;
                    }
                }

                // The same rule Get-LayeredImage lists by, so a bare "latest" written by skopeo is not offered as an image.
                if (ImageNames.FromIndexAnnotations(strings) is { } reference)
                {
                    names.Add(reference.ToString());
                }
            }
        }

        return names.ToList();
    }

    internal static string StoreOf(IDictionary fakeBoundParameters) =>
        CompletionLocation.HostPath(fakeBoundParameters?["StorePath"]) ?? StorePaths.Default();

    private static string Quote(string name) =>
        name.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#' }) >= 0 ? "'" + name.Replace("'", "''", StringComparison.Ordinal) + "'" : name;

}
