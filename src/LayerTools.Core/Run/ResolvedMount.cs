namespace LayerTools.Core.Run;

/// <summary>
/// A <see cref="ContainerMount"/> whose mount point exists in the root file system:
/// <see cref="ContainerPath"/> has no symbolic link left in it (resolved inside the root) and
/// <see cref="HostTarget"/> is the same place seen from the host.
/// </summary>
internal sealed record ResolvedMount(ContainerMount Mount, string ContainerPath, string HostTarget);
