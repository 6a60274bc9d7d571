using System.Globalization;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// runc or crun, given a bundle (config.json + the root file system): <c>&lt;runtime&gt; --root
/// &lt;state&gt; run --bundle &lt;dir&gt; --pid-file &lt;file&gt; &lt;id&gt;</c>, in the foreground with
/// stdio on pipes. The state folder is private to the run, so nothing is left in /run. A missing pid
/// file after a failed exit means the runtime never started the command (crun refuses hybrid cgroups
/// on Debian 12, for example), which lets the caller try the next runtime.
/// </summary>
internal sealed class OciRuntime : ContainerRuntime
{
    private readonly string _path;

    public OciRuntime(ContainerRuntimeKind kind, string path)
    {
        Kind = kind;
        _path = path;
    }

    public override ContainerRuntimeKind Kind { get; }

    public override int Run(ProcessSpec spec, string workDirectory, Action<RunOutputLine>? onLine, CancellationToken cancellationToken)
    {
        var name = Kind.ToString().ToLowerInvariant();
        var bundle = Path.Combine(workDirectory, name + "-bundle");
        var state = Path.Combine(workDirectory, name + "-state");
        Directory.CreateDirectory(bundle);
        Directory.CreateDirectory(state);
        File.WriteAllBytes(Path.Combine(bundle, "config.json"), RuntimeBundle.Config(spec));
        var pidFile = Path.Combine(workDirectory, name + ".pid");
        var id = "layertools-" + Guid.NewGuid().ToString("N")[..16];
        var tail = new List<string>();
        try
        {
            using var deathWatch = DeathWatch.Start(_path, "--root", state, "delete", "--force", id);
            using var process = Start(_path, new[] { "--root", state, "run", "--bundle", bundle, "--pid-file", pidFile, id }, null, onLine, tail, spec.MergeOutput);
            deathWatch.Watch(process.Id);
            var code = Wait(process, () =>
            {
                HostProcess.Run(_path, new[] { "--root", state, "kill", id, "KILL" }, timeout: TimeSpan.FromSeconds(10));
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }, cancellationToken);
            if (code != 0 && !File.Exists(pidFile))
            {
                throw new RuntimeStartException($"{name} could not start the container (exit code {code.ToString(CultureInfo.InvariantCulture)}): {string.Join(" | ", tail)}");
            }

            return code;
        }
        finally
        {
            HostProcess.Run(_path, new[] { "--root", state, "delete", "--force", id }, timeout: TimeSpan.FromSeconds(20));
        }
    }
}
