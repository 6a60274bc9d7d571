namespace LayerTools.Core.Run;

/// <summary>
/// What a RUN step may do, as Docker's defaults set it (moby's default spec, runc's default masked
/// paths): the capabilities a root command keeps, the /proc and /sys paths hidden from it and the
/// ones it may only read. Both runtimes take them from here.
/// </summary>
internal static class ContainerSecurity
{
    /// <summary>Docker's default capability set, nothing more: no CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN, CAP_DAC_READ_SEARCH...</summary>
    public static readonly string[] Capabilities =
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    };

    /// <summary>Hidden: an empty read-only tmpfs over a directory, /dev/null over a file.</summary>
    public static readonly string[] MaskedPaths =
    {
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    };

    /// <summary>Bound read-only over themselves: kernel settings (/proc/sys), the sysrq trigger, bus and irq tables.</summary>
    public static readonly string[] ReadonlyPaths = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
}
