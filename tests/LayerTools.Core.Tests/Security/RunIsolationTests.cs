using LayerTools.Core.HostFs;
using LayerTools.Core.Run;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Security;

/// <summary>
/// A hostile RUN step tries to get out, under runc and under the unshare fallback: the classic
/// chroot escape (a static program compiled here with the system gcc), mount in a user namespace
/// (seccomp), and what it can see of capabilities, /proc and other processes.
/// </summary>
[Collection(RunnerCollection.Name)]
public sealed class RunIsolationTests
{
    /// <summary>Docker's default bounding set (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP) as /proc/self/status shows it.</summary>
    private const string DockerCapabilities = "00000000a80425fb";

    /// <summary>The same without CAP_MKNOD (bit 27): the unshare fallback has no device cgroup.</summary>
    private const string DockerCapabilitiesWithoutMknod = "00000000a00425fb";

    private static readonly Lazy<byte[]> Escape = new(() => Compile("chroot-escape.c", "-static"));

    /// <summary>Compiles one of the C probes next to this file with the system gcc.</summary>
    private static byte[] Compile(string source, params string[] flags)
    {
        var dir = Directory.CreateTempSubdirectory("layertools-probe-");
        try
        {
            var binary = Path.Combine(dir.FullName, "probe");
            var (code, output, error) = HostProcess.Run("gcc", flags.Concat(new[] { "-O", "-o", binary, Path.Combine(AppContext.BaseDirectory, "Security", source) }));
            Assert.True(code == 0, $"gcc failed (apt-get install gcc libc6-dev): {output}{error}");
            return File.ReadAllBytes(binary);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (RunResult Result, List<string> Lines) RunIn(TempStore temp, ContainerRuntimeKind runtime, IReadOnlyList<string> arguments, string? user = null, params string[] env) =>
        RunIn(temp, new TarBuilder().File("esc", Escape.Value, mode: 0x1ED), runtime, arguments, user, env);

    private static (RunResult Result, List<string> Lines) RunIn(TempStore temp, TarBuilder extra, ContainerRuntimeKind runtime, IReadOnlyList<string> arguments, string? user = null, params string[] env)
    {
        var baseIds = BusyboxBase.AddLayers(temp.Store, BusyboxBase.Layer(), extra);
        var lines = new List<RunOutputLine>();
        using var staging = temp.Store.BeginStaging();
        var request = new RunRequest { Arguments = arguments, Runtime = runtime, User = user, Environment = env, SourceDateEpoch = 1_700_000_000 };
        var result = RunExecutor.Run(temp.Store, staging, baseIds, request, lines.Add);
        return (result, lines.Select(l => l.Text).ToList());
    }

    private static (RunResult Result, List<string> Lines) Shell(TempStore temp, ContainerRuntimeKind runtime, string script, string? user = null) =>
        RunIn(temp, runtime, new[] { "/bin/sh", "-c", script }, user);

    private static bool OffLinux(TempStore temp)
    {
        if (OperatingSystem.IsLinux())
        {
            return false;
        }

        using var staging = temp.Store.BeginStaging();
        LayerAssert.Throws("RunNeedsLinux", () => RunExecutor.Run(temp.Store, staging, Array.Empty<string>(), new RunRequest { Arguments = new[] { "true" } }, null));
        return true;
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Unshare)]
    [InlineData(ContainerRuntimeKind.Runc)]
    public void AChrootEscapeInRunStaysInTheImage(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        var marker = Path.Combine("/tmp", "layertools-escaped-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (result, lines) = RunIn(temp, runtime, new[] { "/esc", marker });
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("wrote " + marker, lines);
            Assert.False(File.Exists(marker), $"RUN under {runtime} wrote {marker} on the host");
            Assert.Contains(result.Layer!.Entries, e => "/" + e.Path == marker);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public void TheEscapeProbeGetsOutOfAPlainChroot()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var root = Directory.CreateTempSubdirectory("layertools-chroot-");
        var marker = Path.Combine("/tmp", "layertools-escaped-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllBytes(Path.Combine(root.FullName, "esc"), Escape.Value);
            File.SetUnixFileMode(Path.Combine(root.FullName, "esc"), (UnixFileMode)0x1ED);
            var (code, output, error) = HostProcess.Run(HostProcess.Find("chroot")!, new[] { root.FullName, "/esc", marker });
            Assert.True(code == 0, output + error);
            Assert.Equal("escaped\n", File.ReadAllText(marker));
        }
        finally
        {
            File.Delete(marker);
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void UnderRuncMountInAUserNamespaceIsRefusedAndAnOrdinaryStepRuns()
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        const string probe = "busybox unshare -Urm sh -c 'mount -t tmpfs none /tmp && echo mounted'";

        // The probe works where nothing filters system calls: the host lets users make namespaces.
        var (hostCode, hostOutput, hostError) = HostProcess.Run("/bin/busybox", new[] { "sh", "-c", probe });
        Assert.True(hostCode == 0 && hostOutput.Contains("mounted", StringComparison.Ordinal), hostOutput + hostError);

        var (result, lines) = Shell(temp, ContainerRuntimeKind.Runc, probe);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Null(result.Layer);
        Assert.DoesNotContain("mounted", lines);
        Assert.Contains(lines, l => l.Contains("Operation not permitted", StringComparison.Ordinal));

        var (ordinary, output) = Shell(temp, ContainerRuntimeKind.Runc, "mkdir -p /opt/app && echo ok > /opt/app/f && cat /opt/app/f");
        Assert.Equal(0, ordinary.ExitCode);
        Assert.Contains("ok", output);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ADynamicallyLinkedProgramStartsThreadsAndProcesses(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        // The probe with the host's C library and loader at the paths ldd names.
        var tar = new TarBuilder().File("probe", Compile("threads-and-spawn.c", "-pthread"), mode: 0x1ED);
        var (_, ldd, _) = HostProcess.Run("/usr/bin/ldd", new[] { "/bin/true" });
        var libraries = ldd.Split('\n').Select(l => l.Trim().Split(' ')).Select(p => p.Length >= 3 && p[1] == "=>" ? p[2] : p[0]).Where(p => p.StartsWith('/')).ToList();
        Assert.Contains(libraries, l => l.Contains("libc.so", StringComparison.Ordinal));
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var library in libraries)
        {
            var parts = library.Trim('/').Split('/');
            for (var i = 1; i < parts.Length; i++)
            {
                var dir = string.Join('/', parts.Take(i));
                if (dirs.Add(dir))
                {
                    tar.Dir(dir);
                }
            }

            tar.File(library.Trim('/'), File.ReadAllBytes(library), mode: 0x1ED);
        }

        var (result, lines) = RunIn(temp, tar, runtime, new[] { "/probe", "/bin/true" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("thread=0 spawn=0 status=0", lines);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc, DockerCapabilities, "2")]
    [InlineData(ContainerRuntimeKind.Unshare, DockerCapabilitiesWithoutMknod, "0")]
    public void ARootStepHasDockersCapabilitiesAndNoNewPrivileges(ContainerRuntimeKind runtime, string capabilities, string seccomp)
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        var root = Status(Shell(temp, runtime, "cat /proc/self/status").Lines);
        Assert.Equal(capabilities, root["CapBnd"]);
        Assert.Equal(capabilities, root["CapEff"]);
        Assert.Equal(capabilities, root["CapPrm"]);
        Assert.Equal("0000000000000000", root["CapInh"]);
        Assert.Equal("0000000000000000", root["CapAmb"]);
        Assert.Equal("1", root["NoNewPrivs"]);
        Assert.Equal(seccomp, root["Seccomp"]);

        var app = Status(Shell(temp, runtime, "cat /proc/self/status", user: "app").Lines);
        Assert.Equal(capabilities, app["CapBnd"]);
        Assert.Equal("0000000000000000", app["CapEff"]);
        Assert.Equal("0000000000000000", app["CapPrm"]);
        Assert.Equal("1", app["NoNewPrivs"]);
    }

    private static Dictionary<string, string> Status(IEnumerable<string> lines) =>
        lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim(), StringComparer.Ordinal);

    [Fact]
    public void UnderUnshareProcIsMaskedAndOnlyTheStepsProcessesAreVisible()
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        const string script = """
            for f in /proc/timer_list /proc/keys /proc/interrupts /proc/kcore /proc/sched_debug; do [ -e $f ] && echo "masked $f $(cat $f | wc -c)"; done
            for d in /proc/acpi /proc/scsi /proc/asound; do [ -d $d ] && echo "masked $d $(ls -A $d | wc -l)"; done
            cat /proc/sys/kernel/core_pattern > /tmp/cp
            if cat /tmp/cp > /proc/sys/kernel/core_pattern; then echo sys=writable; else echo sys=read-only; fi
            for p in /proc/[0-9]*; do echo "pid ${p#/proc/} root=$(busybox readlink $p/root)"; done
            echo "init $(busybox tr '\0\n' '  ' < /proc/1/cmdline | busybox cut -c1-10)"
            """;
        var (result, lines) = Shell(temp, ContainerRuntimeKind.Unshare, script);
        Assert.Equal(0, result.ExitCode);
        var masked = lines.Where(l => l.StartsWith("masked ", StringComparison.Ordinal)).ToList();
        Assert.Contains(masked, l => l.StartsWith("masked /proc/timer_list ", StringComparison.Ordinal));
        Assert.All(masked, l => Assert.EndsWith(" 0", l, StringComparison.Ordinal));
        Assert.Contains("sys=read-only", lines);
        Assert.Contains(lines, l => l.Contains("Read-only file system", StringComparison.Ordinal));
        var pids = lines.Where(l => l.StartsWith("pid ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(pids);
        Assert.All(pids, l => Assert.EndsWith(" root=/", l, StringComparison.Ordinal));
        Assert.Contains("init /bin/sh -c", lines);

        // The command inherits no descriptor but its stdio: ls sees those and the folder it reads.
        var (fds, fdLines) = RunIn(temp, ContainerRuntimeKind.Unshare, new[] { "/bin/busybox", "ls", "/proc/self/fd" });
        Assert.Equal(0, fds.ExitCode);
        Assert.Equal(new[] { "0", "1", "2", "3" }, fdLines);
    }

    [Fact]
    public void UnshareRefusesVariablesThatWouldMakeHostToolsLoadFiles()
    {
        using var temp = new TempStore();
        if (OffLinux(temp))
        {
            return;
        }

        var ex = LayerAssert.Throws("UnshareUnsafeEnvironment", () => RunIn(temp, ContainerRuntimeKind.Unshare, new[] { "/bin/true" }, env: "LD_PRELOAD=/tmp/x.so"));
        Assert.Contains("LD_PRELOAD", ex.Message, StringComparison.Ordinal);
        LayerAssert.Throws("UnshareUnsafeEnvironment", () => RunIn(temp, ContainerRuntimeKind.Unshare, new[] { "/bin/true" }, env: "LANG=/tmp/locale"));
        var (result, _) = RunIn(temp, ContainerRuntimeKind.Unshare, new[] { "/bin/true" }, env: "LANG=C.UTF-8");
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(Directory.EnumerateDirectories(temp.Store.TmpDir, "run-*"));
    }

    [Fact]
    public void AutoNeverFallsBackToUnshare()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.DoesNotContain(ContainerRuntime.Candidates(ContainerRuntimeKind.Auto), r => r.Kind == ContainerRuntimeKind.Unshare);
        Assert.Contains(ContainerRuntime.Candidates(ContainerRuntimeKind.Unshare), r => r.Kind == ContainerRuntimeKind.Unshare);
    }
}
