using LayerTools.Core.Oci;

namespace LayerTools.Core.Build.Steps;

/// <summary>What a FROM names: scratch (no config), or an image's config and layers; <paramref name="Fetched"/> when it was pulled or imported for the build, not found in the store.</summary>
internal sealed record BaseImage(string Name, ConfigDocument? Config, string? ImageId, bool Fetched = false)
{
    public static BaseImage Scratch { get; } = new("scratch", null, null);

    public IReadOnlyList<string> DiffIds => Config?.DiffIds ?? Array.Empty<string>();
}
