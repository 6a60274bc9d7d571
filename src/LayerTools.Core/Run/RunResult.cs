using LayerTools.Core.Layers;

namespace LayerTools.Core.Run;

/// <summary>How a RUN step ended: the command's exit code, the layer its changes made (null when it failed), and which runtime ran it.</summary>
internal sealed record RunResult(int ExitCode, LayerIndex? Layer, ContainerRuntimeKind Runtime, bool UsedOverlay, TimeSpan Duration);
