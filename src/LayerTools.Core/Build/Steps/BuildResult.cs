using LayerTools.Core.Images;

namespace LayerTools.Core.Build.Steps;

/// <summary>The image a build made and the steps that made it.</summary>
internal sealed record BuildResult(StoredImage Image, IReadOnlyList<BuildStep> Steps);
