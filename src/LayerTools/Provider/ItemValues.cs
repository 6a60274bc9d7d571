using System.Management.Automation;
using System.Text;

namespace LayerTools.Provider;

/// <summary>What New-Item's -Value means on the Container: drive: a file's content, a link's target.</summary>
internal static class ItemValues
{
    /// <summary>A file's content: bytes as given, anything else as UTF-8 text; null for no value.</summary>
    public static byte[]? Content(object? value) => value switch
    {
        null => null,
        byte[] bytes => bytes,
        _ => Encoding.UTF8.GetBytes(Text(value) ?? string.Empty),
    };

    public static string? Text(object? value) => value switch
    {
        null => null,
        PSObject ps => Text(ps.BaseObject),
        string s => s,
        object[] many => string.Join("\n", many.Select(Text)),
        _ => LanguagePrimitives.ConvertTo<string>(value),
    };

    /// <summary>A hard link's target as a path inside the same container: a container path, or a Container:\name\... path.</summary>
    public static string InnerTarget(string text)
    {
        var colon = text.IndexOf(":", StringComparison.Ordinal);
        if (text.StartsWith("Container:", StringComparison.OrdinalIgnoreCase) && colon > 0)
        {
            var rest = text[(colon + 1)..].Replace('\\', '/').TrimStart('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? string.Empty : rest[(slash + 1)..];
        }

        return text;
    }
}
