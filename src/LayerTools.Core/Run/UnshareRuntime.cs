using System.Globalization;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// RUN without an OCI runtime, only when asked for (<see cref="ContainerRuntimeKind.Unshare"/>):
/// util-linux <c>unshare --mount --pid --fork --uts --ipc</c> runs a host /bin/sh, with an empty
/// environment, that sets the hostname and, inside the new mount namespace, mounts the root nodev,
/// a fresh /proc with runc's default paths masked and read-only, a small /dev (null, zero, full,
/// random, urandom, tty bound from the host), the host's /etc/resolv.conf (when the image has one
/// to bind over), the files for the command and the RUN --mount mounts. Then it moves the root over
/// the namespace's "/" (as switch_root does): the host's file system is covered, so a chroot inside
/// the step, even with CAP_SYS_CHROOT, never leads out of the image. Last, <c>env</c> gives the
/// command's environment to setpriv (no new privileges, Docker's default bounding set less
/// CAP_MKNOD, nothing inheritable or ambient), which execs <c>unshare --root=. --wd=DIR --setgid
/// --setuid</c> (chroot, then chdir inside), which execs the command: it is PID 1 of its namespace,
/// so no process outside the root can be seen there, and it holds no descriptor but its stdio
/// (<see cref="InheritedDescriptors"/>). Only host programs run outside the root and
/// nothing from the image; variables that make those programs load files (LD_PRELOAD, GCONV_PATH...)
/// are refused. /proc and /dev are mounted only when the image's own are real directories (the
/// caller checks), never through a link. Weaker than runc: no seccomp filter, no cgroups (so no
/// CAP_MKNOD: there is no device cgroup), supplementary groups cleared, the host's mounts still
/// listed in /proc/self/mountinfo (covered, not reachable).
/// </summary>
internal sealed class UnshareRuntime : ContainerRuntime
{
    private const string Script = """
        set -e
        r=$1 h=$2 mp=$3 md=$4 rc=$5 mount=$6 mkdir=$7
        shift 7
        printf '%s' "$h" > /proc/sys/kernel/hostname
        "$mount" --bind "$r" "$r"
        "$mount" -o remount,bind,nodev "$r"
        n=$1
        shift
        if [ "$mp" = 1 ]; then
          "$mount" -t proc -o nosuid,nodev,noexec proc "$r/proc"
          while [ "$n" -gt 0 ]; do
            p="$r$2"
            if [ "$1" = m ] && [ -d "$p" ]; then "$mount" -t tmpfs -o ro,nosuid,nodev,noexec tmpfs "$p"
            elif [ "$1" = m ] && [ -e "$p" ]; then "$mount" --bind /dev/null "$p"
            elif [ "$1" = r ] && [ -e "$p" ]; then "$mount" --bind "$p" "$p"; "$mount" -o remount,bind,ro,nosuid,nodev,noexec "$p"
            fi
            shift 2
            n=$((n - 1))
          done
        else
          shift $((n * 2))
        fi
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
        cd "$r"
        "$mount" --move . /
        exec "$@"
        """;

    /// <summary>Environment variables the host's dynamic loader, C library or util-linux act on: they would make setpriv or unshare load or write host files.</summary>
    private static readonly string[] HostToolVariables =
    {
        "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TZDIR",
    };

    private static readonly string[] HostToolPrefixes = { "LD_", "GLIBC_", "MALLOC_", "LIBMOUNT_", "LIBBLKID_", "BLKID_", "LIBSMARTCOLS_", "LIBSELINUX", "SELINUX_" };

    /// <summary>LANG, LANGUAGE and LC_*: a value with a '/' names locale or message files to load.</summary>
    private static bool IsLocalePath(string name, string value) =>
        (name is "LANG" or "LANGUAGE" || name.StartsWith("LC_", StringComparison.Ordinal)) && value.Contains('/', StringComparison.Ordinal);

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
        var environment = spec.Environment.Where(e => e.IndexOf('=', StringComparison.Ordinal) > 0).ToList();
        CheckEnvironment(environment);
        string Tool(string name, string why) => HostProcess.Find(name) ?? throw new RuntimeStartException($"{name} is not installed on the host; {why}.");
        var args = new List<string> { "--mount", "--pid", "--fork", "--uts", "--ipc", "--kill-child", "--propagation", "private" };
        if (spec.IsolateNetwork)
        {
            args.Add("--net");
        }

        args.AddRange(new[]
        {
            "--", Tool("sh", "it sets up the step's mounts"), "-c", Script, "sh",
            spec.RootFs, spec.Hostname, MountProc ? "1" : "0", MountDev ? "1" : "0", BindResolvConf ? "1" : "0",
            Tool("mount", "it mounts the step's file systems"), Tool("mkdir", "it makes mount points"),
        });
        var procPaths = ContainerSecurity.MaskedPaths.Where(p => p.StartsWith("/proc/", StringComparison.Ordinal)).Select(p => ("m", p))
            .Concat(ContainerSecurity.ReadonlyPaths.Select(p => ("r", p))).ToList();
        args.Add(procPaths.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var (kind, path) in procPaths)
        {
            args.Add(kind);
            args.Add(path);
        }

        args.Add(spec.Files.Count.ToString(CultureInfo.InvariantCulture));
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

        // What the script execs last: env hands the command's environment to setpriv, which drops
        // privileges and execs unshare, which enters the root and execs the command.
        args.AddRange(new[] { Tool("env", "it passes the command's environment"), "-i", "--" });
        args.AddRange(environment);
        args.AddRange(new[]
        {
            Tool("setpriv", "it drops the capabilities a RUN must not have"), "--no-new-privs", "--inh-caps=-all", "--ambient-caps=-all",
            "--bounding-set=-all," + string.Join(',', ContainerSecurity.Capabilities.Where(c => c != "CAP_MKNOD").Select(c => "+" + c[4..].ToLowerInvariant())), "--",
            _unshare, "--root=.", "--wd=" + spec.WorkingDirectory, "--setgid", spec.Gid.ToString(CultureInfo.InvariantCulture), "--setuid", spec.Uid.ToString(CultureInfo.InvariantCulture), "--",
        });
        args.AddRange(spec.Arguments);
        InheritedDescriptors.CloseOnExec();
        var tail = new List<string>();
        using var deathWatch = DeathWatch.Start(Tool("true", "it ends the step's watch"));
        using var process = Start(_unshare, args, new[] { "PATH=/usr/sbin:/usr/bin:/sbin:/bin" }, onLine, tail, spec.MergeOutput);
        deathWatch.Watch(process.Id);
        return Wait(process, () => process.Kill(entireProcessTree: true), cancellationToken);
    }

    /// <summary>Refuses variables the host programs that run before the command is isolated would act on.</summary>
    private static void CheckEnvironment(IEnumerable<string> environment)
    {
        foreach (var entry in environment)
        {
            var name = entry[..entry.IndexOf('=', StringComparison.Ordinal)];
            var value = entry[(name.Length + 1)..];
            if (HostToolVariables.Contains(name, StringComparer.Ordinal)
                || HostToolPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                || IsLocalePath(name, value))
            {
                throw new LayerToolsException("UnshareUnsafeEnvironment", ErrorKind.SecurityError,
                    $"RUN with -Runtime Unshare cannot set {name}: the host's setpriv and unshare start with the command's environment, and {name} would make them load or write host files. Use runc (apt-get install runc), or leave {name} out of ENV and set it in the command.",
                    name);
            }
        }
    }
}
