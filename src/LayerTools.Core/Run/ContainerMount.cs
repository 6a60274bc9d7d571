namespace LayerTools.Core.Run;

/// <summary>
/// A mount a RUN command gets on top of its root file system (RUN --mount): a host directory or
/// file bound at <see cref="Target"/> (read-only or writable), or an empty tmpfs. What the command
/// writes there goes to the host source or the tmpfs, never to the layer, and the mount point is
/// removed from the layer afterwards when the parent image did not have it.
/// </summary>
internal sealed record ContainerMount(ContainerMountKind Kind, string Target, string? HostSource, bool ReadOnly, long? Size = null)
{
    /// <summary>True when a file (not a directory) is bound, so the mount point is an empty file.</summary>
    public bool IsFile => Kind == ContainerMountKind.Bind && HostSource is not null && File.Exists(HostSource) && !Directory.Exists(HostSource);
}
