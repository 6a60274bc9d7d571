namespace LayerTools.Core.Run;

/// <summary>Which program runs a RUN step's command.</summary>
public enum ContainerRuntimeKind
{
    /// <summary>runc, then crun: the first that is installed and starts the container. Never the unshare fallback.</summary>
    Auto,

    /// <summary>runc only.</summary>
    Runc,

    /// <summary>crun only.</summary>
    Crun,

    /// <summary>
    /// util-linux unshare and chroot, without an OCI runtime: only when asked for by name, because it
    /// isolates less than runc (no seccomp filter, no cgroups, no CAP_MKNOD, the host's mounts still
    /// listed in the step's mount namespace though covered).
    /// </summary>
    Unshare,
}
