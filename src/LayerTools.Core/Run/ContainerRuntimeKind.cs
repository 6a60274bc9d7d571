namespace LayerTools.Core.Run;

/// <summary>Which program runs a RUN step's command: the first that works, or one chosen (tests).</summary>
public enum ContainerRuntimeKind
{
    /// <summary>runc, then crun, then unshare+chroot: the first that is installed and starts the container.</summary>
    Auto,
    Runc,
    Crun,
    Unshare,
}
