using System.Text.Json;
using LayerTools.Core.Digests;

namespace LayerTools.Completion;

/// <summary>
/// The image IDs of a store, for completing an ID prefix (an untagged image has no other name): each
/// index.json entry's manifest is read for its config digest, and the list kept until index.json changes.
/// </summary>
internal static class ImageIdNames
{
    private const long MaxManifestBytes = 4 * 1024 * 1024;
    private static readonly IndexJsonCache Ids = new(Parse);

    /// <summary>The short (12 hex digits) IDs of the store's images that <paramref name="word"/> begins ("3f2a", "sha256:3f2a"); none for a word that is not hex.</summary>
    public static IEnumerable<string> Beginning(string storePath, string word)
    {
        var hex = word.StartsWith(Digest.Sha256Prefix, StringComparison.OrdinalIgnoreCase) ? word[Digest.Sha256Prefix.Length..] : word;
        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return Array.Empty<string>();
        }

        return Read(storePath)
            .Select(id => id[Digest.Sha256Prefix.Length..])
            .Where(id => id.StartsWith(hex, StringComparison.OrdinalIgnoreCase))
            .Select(id => hex.Length > 12 ? id : id[..12])
            .Distinct(StringComparer.Ordinal);
    }

    private static IReadOnlyList<string> Read(string storePath) => Ids.Read(storePath);

    private static IReadOnlyList<string> Parse(string storePath, byte[] indexJson)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        using var index = JsonDocument.Parse(indexJson);
        if (index.RootElement.ValueKind == JsonValueKind.Object && index.RootElement.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in manifests.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String && d.GetString() is { } digest && Digest.IsValid(digest)
                    && ConfigOf(storePath, digest) is { } config)
                {
                    ids.Add(config);
                }
            }
        }

        return ids.ToList();
    }

    /// <summary>The config digest a manifest blob names; null when the blob is missing, too large or not a manifest.</summary>
    private static string? ConfigOf(string storePath, string manifestDigest)
    {
        var blob = new FileInfo(Path.Combine(storePath, "blobs", "sha256", manifestDigest[Digest.Sha256Prefix.Length..]));
        if (!blob.Exists || blob.Length > MaxManifestBytes)
        {
            return null;
        }

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(blob.FullName));
        return manifest.RootElement.ValueKind == JsonValueKind.Object
            && manifest.RootElement.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("digest", out var digest) && digest.GetString() is { } text && Digest.IsValid(text)
            ? text
            : null;
    }
}
