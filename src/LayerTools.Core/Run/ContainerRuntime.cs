using System.Diagnostics;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// A program that runs a command in new namespaces inside a root file system: an OCI runtime
/// (runc, crun) or, only when asked for, the unshare+chroot fallback. Output is streamed line by line to a callback;
/// cancelling kills the container.
/// </summary>
internal abstract class ContainerRuntime
{
    public abstract ContainerRuntimeKind Kind { get; }

    /// <summary>
    /// Runs the command and returns its exit code. Throws <see cref="RuntimeStartException"/> when the
    /// runtime could not start the container at all, and OperationCanceledException after killing it
    /// when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public abstract int Run(ProcessSpec spec, string workDirectory, Action<RunOutputLine>? onLine, CancellationToken cancellationToken);

    /// <summary>The runtimes to try, in order, for a request.</summary>
    public static IReadOnlyList<ContainerRuntime> Candidates(ContainerRuntimeKind kind)
    {
        var list = new List<ContainerRuntime>();
        void Add(ContainerRuntimeKind k)
        {
            var runtime = k switch
            {
                ContainerRuntimeKind.Runc => HostProcess.Find("runc") is { } runc ? new OciRuntime(k, runc) : null,
                ContainerRuntimeKind.Crun => HostProcess.Find("crun") is { } crun ? new OciRuntime(k, crun) : null,
                ContainerRuntimeKind.Unshare => HostProcess.Find("unshare") is { } unshare ? new UnshareRuntime(unshare) : (ContainerRuntime?)null,
                _ => null,
            };
            if (runtime is not null)
            {
                list.Add(runtime);
            }
        }

        if (kind == ContainerRuntimeKind.Auto)
        {
            // No silent fallback to unshare: it isolates less, so it runs only when asked for by name.
            Add(ContainerRuntimeKind.Runc);
            Add(ContainerRuntimeKind.Crun);
        }
        else
        {
            Add(kind);
        }

        if (list.Count == 0)
        {
            throw new LayerToolsException("NoContainerRuntime", ErrorKind.ResourceUnavailable, kind switch
            {
                ContainerRuntimeKind.Auto => "RUN needs an OCI runtime and neither runc nor crun is installed. Install runc (apt-get install runc) or crun (apt-get install crun). "
                    + "-Runtime Unshare runs RUN without one, with weaker isolation (see Get-Help Build-LayeredImage -Parameter Runtime).",
                ContainerRuntimeKind.Unshare => "RUN was asked to use unshare, which is not installed: install util-linux (apt-get install util-linux).",
                _ => $"RUN was asked to use {kind.ToString().ToLowerInvariant()}, which is not installed: apt-get install {kind.ToString().ToLowerInvariant()}.",
            }, kind);
        }

        return list;
    }

    /// <summary>
    /// Starts a host process with the given environment and streams its stdout and stderr lines. With
    /// <paramref name="mergeOutput"/> the host's sh starts it with stderr on the stdout pipe (<c>exec "$@" 2&gt;&amp;1</c>),
    /// so its lines, and the container's, arrive in the order they were written; <paramref name="stderrTail"/>
    /// then keeps the last lines of both.
    /// </summary>
    protected static Process Start(string file, IEnumerable<string> args, IEnumerable<string>? environment, Action<RunOutputLine>? onLine, List<string> stderrTail, bool mergeOutput = false)
    {
        if (mergeOutput)
        {
            var sh = HostProcess.Find("sh") ?? throw new RuntimeStartException("the host has no sh to put the command's stderr on its stdout pipe");
            args = new[] { "-c", "exec \"$@\" 2>&1", "layertools-run", file }.Concat(args).ToList();
            file = sh;
        }

        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            info.Environment.Clear();
            foreach (var kv in environment)
            {
                var eq = kv.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    info.Environment[kv[..eq]] = kv[(eq + 1)..];
                }
            }
        }

        var gate = new object();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    if (mergeOutput)
                    {
                        Keep(stderrTail, e.Data);
                    }

                    onLine?.Invoke(new RunOutputLine(e.Data, false));
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (gate)
                {
                    Keep(stderrTail, e.Data);
                    onLine?.Invoke(new RunOutputLine(e.Data, true));
                }
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Keep(List<string> tail, string line)
    {
        tail.Add(line);
        if (tail.Count > 20)
        {
            tail.RemoveAt(0);
        }
    }

    /// <summary>Waits for the process; on cancellation calls <paramref name="kill"/>, waits, and throws.</summary>
    protected static int Wait(Process process, Action kill, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(() =>
        {
            try
            {
                kill();
            }
            catch (InvalidOperationException)
            {
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }))
        {
            process.WaitForExit();
        }

        process.WaitForExit(); // drains the output events
        cancellationToken.ThrowIfCancellationRequested();
        return process.ExitCode;
    }
}
