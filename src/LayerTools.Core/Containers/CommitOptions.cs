using LayerTools.Core.Images;

namespace LayerTools.Core.Containers;

/// <summary>What <c>ConvertTo-LayeredImage</c> (docker commit) takes besides the container.</summary>
internal sealed class CommitOptions
{
    /// <summary>The new image's name; null leaves it untagged.</summary>
    public ImageReference? Tag { get; init; }

    /// <summary>The history comment (docker commit -m).</summary>
    public string? Message { get; init; }

    /// <summary>The author, on the config and the history entry (docker commit -a).</summary>
    public string? Author { get; init; }

    /// <summary>Dockerfile metadata instructions applied to the runtime config (docker commit -c).</summary>
    public IReadOnlyList<string> Changes { get; init; } = Array.Empty<string>();

    /// <summary>The time the image is created; now when null.</summary>
    public DateTimeOffset? Created { get; init; }
}
