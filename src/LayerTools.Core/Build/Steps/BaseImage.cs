using LayerTools.Core.Oci;

namespace LayerTools.Core.Build.Steps;

/// <summary>What a FROM names: scratch (no config), or an image's config and layers.</summary>
internal sealed record BaseImage(string Name, ConfigDocument? Config, string? ImageId)
{
    public static BaseImage Scratch { get; } = new("scratch", null, null);

    public IReadOnlyList<string> DiffIds => Config?.DiffIds ?? Array.Empty<string>();
}
