using System.Globalization;

namespace LayerTools.Core.Run;

/// <summary>
/// The fallback when no OCI runtime works: util-linux <c>unshare --mount --pid --fork --uts --ipc</c>
/// runs a host /bin/sh that sets the hostname, mounts /proc and a small /dev (null, zero, full,
/// random, urandom, tty bound from the host) and the host's /etc/resolv.conf (when the image has
/// one to bind over) inside the new mount namespace, and then execs
/// <c>unshare --root=ROOTFS --wd=DIR --setgid --setuid</c> (a chroot) with the command. Only host
/// programs run outside the root; nothing from the image. /proc and /dev are mounted only when
/// the image's own are real directories (the caller checks), never through a link. No
/// seccomp filter and no cgroups, and supplementary groups are cleared: weaker isolation than runc.
/// RUN --mount binds and tmpfs mounts are made on mount points the caller resolved inside the
/// root (no link left in their paths), after /proc and /dev, before the chroot.
/// The root and /dev are mounted nodev (device nodes an image ships or a command makes cannot be
/// opened; the host's null, zero… are bound in as mounts of their own), and the command runs through
/// setpriv with Docker's default capabilities less CAP_MKNOD, none inheritable: without a device
/// cgroup, CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH or a usable disk node would let a Dockerfile reach the host.
/// </summary>
internal sealed class UnshareRuntime : ContainerRuntime
{
    private const string Script = """
        set -e
        r=$1 h=$2 u=$3 g=$4 w=$5 mp=$6 md=$7 mount=$8 unshare=$9
        shift 9
        rc=$1 mkdir=$2 setpriv=$3
        shift 3
        printf '%s' "$h" > /proc/sys/kernel/hostname
        "$mount" --bind "$r" "$r"
        "$mount" -o remount,bind,nodev "$r"
        if [ "$mp" = 1 ]; then "$mount" -t proc -o nosuid,nodev,noexec proc "$r/proc"; fi
        if [ "$md" = 1 ]; then
          "$mount" -t tmpfs -o nosuid,nodev,mode=755,size=65536k tmpfs "$r/dev"
          for d in null zero full random urandom tty; do
            : > "$r/dev/$d"
            "$mount" --bind "/dev/$d" "$r/dev/$d"
          done
        fi
        if [ "$rc" = 1 ]; then "$mount" --bind -o ro /etc/resolv.conf "$r/etc/resolv.conf"; fi
        n=$1
        shift
        while [ "$n" -gt 0 ]; do
          if [ "$md" = 1 ]; then
            "$mkdir" -p "$r$(dirname "$2")"
            : > "$r$2"
            "$mount" --bind -o ro "$1" "$r$2"
          fi
          shift 2
          n=$((n - 1))
        done
        n=$1
        shift
        while [ "$n" -gt 0 ]; do
          if [ "$1" = t ]; then
            "$mount" -t tmpfs -o "nosuid,nodev,mode=755$5" tmpfs "$4"
          else
            "$mount" --bind "$3" "$4"
            if [ "$2" = 1 ]; then "$mount" -o remount,bind,ro,nodev "$4"; else "$mount" -o remount,bind,nodev "$4"; fi
          fi
          shift 5
          n=$((n - 1))
        done
        exec "$setpriv" --inh-caps=-all --bounding-set=-all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service,+net_raw,+sys_chroot,+audit_write,+setfcap -- "$unshare" --root="$r" --wd="$w" --setgid "$g" --setuid "$u" -- "$@"
        """;

    private readonly string _unshare;

    public UnshareRuntime(string unshare)
    {
        _unshare = unshare;
    }

    public override ContainerRuntimeKind Kind => ContainerRuntimeKind.Unshare;

    /// <summary>Set by the caller: whether the image's /proc and /dev are real directories that may be mounted over.</summary>
    public bool MountProc { get; set; } = true;

    public bool MountDev { get; set; } = true;

    /// <summary>Set by the caller when the image's /etc/resolv.conf is a regular file in a real /etc: the host's is bound over it (read-only) for DNS.</summary>
    public bool BindResolvConf { get; set; }

    public override int Run(ProcessSpec spec, string workDirectory, Action<RunOutputLine>? onLine, CancellationToken cancellationToken)
    {
        var sh = HostProcess.Find("sh") ?? throw new RuntimeStartException("/bin/sh is not installed on the host.");
        var mount = HostProcess.Find("mount") ?? throw new RuntimeStartException("mount(8) is not installed on the host.");
        var args = new List<string> { "--mount", "--pid", "--fork", "--uts", "--ipc", "--kill-child", "--propagation", "private" };
        if (spec.IsolateNetwork)
        {
            args.Add("--net");
        }

        args.AddRange(new[]
        {
            "--", sh, "-c", Script, "sh",
            spec.RootFs, spec.Hostname, spec.Uid.ToString(CultureInfo.InvariantCulture), spec.Gid.ToString(CultureInfo.InvariantCulture),
            spec.WorkingDirectory, MountProc ? "1" : "0", MountDev ? "1" : "0", mount, _unshare,
            BindResolvConf ? "1" : "0",
            HostProcess.Find("mkdir") ?? throw new RuntimeStartException("mkdir is not installed on the host."),
            HostProcess.Find("setpriv") ?? throw new RuntimeStartException("setpriv (util-linux) is not installed on the host; it drops the capabilities a RUN must not have."),
            spec.Files.Count.ToString(CultureInfo.InvariantCulture),
        });
        foreach (var (host, container) in spec.Files)
        {
            args.Add(host);
            args.Add(container);
        }

        args.Add(spec.Mounts.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var m in spec.Mounts)
        {
            args.Add(m.Mount.Kind == ContainerMountKind.Tmpfs ? "t" : "b");
            args.Add(m.Mount.ReadOnly ? "1" : "0");
            args.Add(m.Mount.HostSource ?? "tmpfs");
            args.Add(m.HostTarget);
            args.Add(m.Mount.Size is { } size ? ",size=" + size.ToString(CultureInfo.InvariantCulture) : string.Empty);
        }

        args.AddRange(spec.Arguments);
        var tail = new List<string>();
        using var process = Start(_unshare, args, spec.Environment, onLine, tail);
        using var deathWatch = DeathWatch.Start(sh, "-c", "kill -KILL \"$1\"", "kill", process.Id.ToString(CultureInfo.InvariantCulture));
        return Wait(process, () => process.Kill(entireProcessTree: true), cancellationToken);
    }
}
