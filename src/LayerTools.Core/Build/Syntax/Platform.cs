namespace LayerTools.Core.Build.Syntax;

/// <summary>An OCI platform as FROM --platform writes it: <c>os/arch[/variant]</c>.</summary>
internal sealed record Platform(string Os, string Architecture, string? Variant)
{
    public static Platform? Parse(string? text, string where)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw new LayerToolsException("InvalidPlatform", ErrorKind.InvalidArgument, $"{where}: --platform={text} is not os/arch[/variant], for example linux/amd64 or linux/arm64/v8.", text);
        }

        return new Platform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    /// <summary>True when an image of <paramref name="os"/>/<paramref name="architecture"/> serves this platform (a variant is compared only when both name one).</summary>
    public bool Matches(string os, string architecture, string? variant) =>
        string.Equals(Os, os, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Architecture, architecture, StringComparison.OrdinalIgnoreCase)
        && (Variant is null || variant is null || string.Equals(Variant, variant, StringComparison.OrdinalIgnoreCase));
}
