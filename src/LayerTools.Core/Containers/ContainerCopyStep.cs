namespace LayerTools.Core.Containers;

/// <summary>One entry Copy-ContainerItem copies into a container: a directory, a link (its target), or a file whose data is already staged beside <c>upper/</c>.</summary>
internal sealed record ContainerCopyStep(string Source, HostStat Stat, string Destination, string? Staged, string? LinkTarget);
