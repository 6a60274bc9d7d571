using System.Diagnostics;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// Ends what a RUN started when the build's process dies, even by kill -9, without waiting for the next
/// command (which reclaims it too, see Store/LeaseSweeper): a small sh that blocks reading a pipe
/// whose only writer is this process. It is started before the runtime, then told the runtime's pid
/// (<see cref="Watch"/>). The kernel closes the pipe when this process dies; sh then reads end-of-file,
/// kills the runtime process (runc, or unshare, whose --kill-child takes the RUN's pid namespace with
/// it) and runs the given command until it succeeds, a few seconds at most (runc delete --force, for a
/// container runc was still creating). On a normal end, <see cref="Dispose"/> tells it to exit without
/// doing anything. It ignores the terminal's signals, which the build handles.
/// </summary>
internal sealed class DeathWatch : IDisposable
{
    private const string Script = "trap '' INT HUP TERM QUIT; exec >/dev/null 2>&1; pid=; "
        + "while read -r word arg; do case \"$word\" in done) exit 0;; pid) pid=$arg;; esac; done; "
        + "[ -n \"$pid\" ] && kill -KILL \"$pid\"; i=0; "
        + "while [ $i -lt 15 ]; do \"$@\" && exit 0; i=$((i+1)); sleep 0.2; done";

    private readonly Process? _watcher;

    private DeathWatch(Process? watcher) => _watcher = watcher;

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/> if this process dies before the watch is disposed.</summary>
    public static DeathWatch Start(string file, params string[] args)
    {
        var sh = HostProcess.Find("sh");
        if (sh is null)
        {
            // Without sh the next command that takes the store lock still reclaims the RUN.
            return new DeathWatch(null);
        }

        var info = new ProcessStartInfo(sh) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in new[] { "-c", Script, "layertools-deathwatch", file }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        return new DeathWatch(Process.Start(info));
    }

    /// <summary>The runtime process to kill first if this process dies.</summary>
    public void Watch(int pid)
    {
        if (_watcher is null)
        {
            return;
        }

        try
        {
            _watcher.StandardInput.WriteLine("pid " + pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _watcher.StandardInput.Flush();
        }
        catch (IOException)
        {
            // The watcher is gone (killed by someone): the next command still reclaims the RUN.
        }
    }

    public void Dispose()
    {
        if (_watcher is null)
        {
            return;
        }

        try
        {
            _watcher.StandardInput.WriteLine("done");
            _watcher.StandardInput.Close();
            _watcher.WaitForExit(5000);
        }
        catch (IOException)
        {
            // It went already.
        }
        finally
        {
            _watcher.Dispose();
        }
    }
}
