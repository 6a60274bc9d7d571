using System.Diagnostics;
using System.Text;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>
/// A private dockerd (Debian's docker.io) with its own data root, exec root and socket in a temporary
/// folder, no bridge and no iptables, so BuildKit can build beside LayerTools on this machine. Started
/// once per test run (it costs seconds) and stopped, its mounts undone, when the run ends.
/// </summary>
public sealed class DockerDaemon : IDisposable
{
    public const string Cli = "/usr/bin/docker";
    public const string Daemon = "/usr/sbin/dockerd";

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public DockerDaemon()
    {
        Root = Path.Combine("/tmp", "lt-dockerd-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        Socket = Path.Combine(Root, "docker.sock");
        _process = Start("overlay2") ?? Start("vfs") ?? throw new InvalidOperationException($"dockerd did not start with overlay2 or vfs:\n{Log}");
    }

    /// <summary>The folder that holds everything the daemon writes.</summary>
    public string Root { get; }

    public string Socket { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Runs the docker CLI against this daemon (BuildKit on); returns its stdout, throws on a non-zero exit.</summary>
    public string Docker(params string[] args) => Run(args, out _);

    /// <summary>Runs the docker CLI against this daemon; returns its stdout and its stderr in <paramref name="stderr"/>.</summary>
    public string Run(IReadOnlyList<string> args, out string stderr)
    {
        var psi = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["DOCKER_HOST"] = "unix://" + Socket;
        psi.Environment["DOCKER_BUILDKIT"] = "1";
        psi.Environment["DOCKER_CONFIG"] = Path.Combine(Root, "cli");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish in 180 s.");
        }

        stderr = err.Result;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} exited with {p.ExitCode}:\n{stderr}\n{stdout.Result}");
        }

        return stdout.Result;
    }

    private Process? Start(string storageDriver)
    {
        var psi = new ProcessStartInfo(Daemon) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--data-root", Path.Combine(Root, "data"), "--exec-root", Path.Combine(Root, "exec"),
            "-H", "unix://" + Socket, "--pidfile", Path.Combine(Root, "docker.pid"),
            "--iptables=false", "--ip-masq=false", "--bridge=none", "--storage-driver", storageDriver,
        })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                process.Dispose();
                Unmount();
                return null;
            }

            if (File.Exists(Socket) && Answers())
            {
                return process;
            }

            Thread.Sleep(200);
        }

        Stop(process);
        throw new TimeoutException($"dockerd did not answer on {Socket} in 60 s:\n{Log}");
    }

    private bool Answers()
    {
        try
        {
            Docker("version", "--format", "{{.Server.Version}}");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private void Stop(Process process)
    {
        if (!process.HasExited)
        {
            // SIGTERM lets dockerd stop its containerd and undo its own mounts.
            using (var kill = Process.Start("/bin/kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }

        process.Dispose();
        Unmount();
    }

    /// <summary>Detaches whatever is still mounted under <see cref="Root"/>, deepest first.</summary>
    private void Unmount()
    {
        var mounts = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m.StartsWith(Root + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length);
        foreach (var mount in mounts)
        {
            using var umount = Process.Start("/bin/umount", ["-l", mount]);
            umount.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop(_process);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
