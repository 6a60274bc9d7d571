using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Lint;

/// <summary>What to check a Dockerfile with: the build context, an image built from it, and which rules.</summary>
internal sealed class LintOptions
{
    /// <summary>The build context folder; null to use the Dockerfile's folder (when it came from a file).</summary>
    public string? ContextPath { get; init; }

    /// <summary>The store holding <see cref="Image"/>.</summary>
    public LayerStore? Store { get; init; }

    /// <summary>An image built from the Dockerfile: findings are grounded in its layers.</summary>
    public StoredImage? Image { get; init; }

    /// <summary>Only these rule ids (empty: all).</summary>
    public IReadOnlyCollection<string> Rules { get; init; } = Array.Empty<string>();

    /// <summary>Not these rule ids.</summary>
    public IReadOnlyCollection<string> ExcludeRules { get; init; } = Array.Empty<string>();
}
