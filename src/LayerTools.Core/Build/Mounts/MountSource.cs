using LayerTools.Core.Build.Copy;

namespace LayerTools.Core.Build.Mounts;

/// <summary>
/// Where a bind mount takes its files: the build context, or a stage's or an image's files with
/// the ChainID of their layers (BuildKit keys such a mount by the layers and the path, not by content).
/// </summary>
internal sealed record MountSource(ICopySource Files, string? ChainId);
