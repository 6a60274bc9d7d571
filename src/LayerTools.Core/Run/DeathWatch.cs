using System.Diagnostics;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// Ends what a RUN started when the build's process dies, even by kill -9, without waiting for the next
/// command (which reclaims it too, see Store/LeaseSweeper): a small sh that blocks reading a pipe
/// whose only writer is this process. The kernel closes the pipe when this process dies; sh then
/// reads end-of-file and runs the given command (runc delete --force, a kill of unshare, whose
/// --kill-child takes the RUN's pid namespace with it). On a normal end, <see cref="Dispose"/> tells
/// it to exit without running anything. It ignores the terminal's signals, which the build handles.
/// </summary>
internal sealed class DeathWatch : IDisposable
{
    private const string Script = "trap '' INT HUP TERM QUIT; exec >/dev/null 2>&1; read -r line; [ \"$line\" = done ] || exec \"$@\"";
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
