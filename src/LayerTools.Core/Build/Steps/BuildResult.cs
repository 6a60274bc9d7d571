using LayerTools.Core.Images;

namespace LayerTools.Core.Build.Steps;

/// <summary>The image a build made, the steps that made it, and what a cache image of the build holds.</summary>
internal sealed record BuildResult(StoredImage Image, IReadOnlyList<BuildStep> Steps, CacheExport Cache);
