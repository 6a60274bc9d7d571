namespace LayerTools.Core.Digests;

/// <summary>
/// The one rule by which a user names an image, a layer or a container by the beginning of its ID or
/// DiffID: the text (spaces around it ignored, <c>sha256:</c> optional) is 1 to 64 hex digits, in
/// either case, as Docker takes ID prefixes. A name is always tried first; a prefix that begins two
/// IDs is an error, never a guess.
/// </summary>
internal static class HexPrefix
{
    public const int MinLength = 1;

    /// <summary>The lowercase hex digits <paramref name="text"/> gives, when it is a prefix by the rule.</summary>
    public static bool TryParse(string text, out string hex)
    {
        var trimmed = text.Trim();
        var digits = trimmed.StartsWith(Digest.Sha256Prefix, StringComparison.OrdinalIgnoreCase) ? trimmed[Digest.Sha256Prefix.Length..] : trimmed;
        hex = digits.ToLowerInvariant();
        if (hex.Length < MinLength || hex.Length > 64 || !hex.All(char.IsAsciiHexDigitLower))
        {
            hex = string.Empty;
            return false;
        }

        return true;
    }

    /// <summary>True when the ID or digest <paramref name="idOrDigest"/> (with or without <c>sha256:</c>) begins with <paramref name="hex"/>.</summary>
    public static bool Begins(string idOrDigest, string hex)
    {
        var digits = idOrDigest.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? idOrDigest.AsSpan(Digest.Sha256Prefix.Length) : idOrDigest.AsSpan();
        return digits.StartsWith(hex, StringComparison.Ordinal);
    }
}
