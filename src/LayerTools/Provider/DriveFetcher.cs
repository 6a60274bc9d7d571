using System.Management.Automation.Provider;
using System.Management.Automation.Runspaces;
using System.Reflection;
using LayerTools.Core;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;

namespace LayerTools.Provider;

/// <summary>
/// Fetches the remote layers a drive reads (an image whose base is still in its registry), with the
/// saved credentials, and unpacks the packed layers it reads (a pulled image's), stopped by the Ctrl+C
/// of the command that reads the drive, with that command's verbose output ("Fetching …",
/// "Unpacking layer …", shown with -Verbose as a cmdlet shows them) and progress. The drives' stores
/// live for the process and serve every runspace, so the fetcher cannot hold one command's
/// cancellation: each provider call marks itself as the call its thread serves (<see cref="Serving"/>),
/// and a fetch watches that call's <see cref="CmdletProvider.Stopping"/> and the state of the pipeline
/// running on its thread. Both are needed: PowerShell resolves a path while it binds a command's
/// parameters (Get-ChildItem's dynamic parameters ask ItemExists) with a provider context that no
/// command can stop, so there only the pipeline's Stopping state tells of Ctrl+C. A fetch stopped
/// half-way leaves the store as it was (its staged commit is dropped).
/// </summary>
internal sealed class DriveFetcher : IRemoteLayerFetcher
{
    /// <summary>How often a fetch looks whether its command is being stopped.</summary>
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Runspace.GetCurrentlyRunningPipeline, internal to PowerShell (7.x): the pipeline whose
    /// PipelineStateInfo.State turns to Stopping at Ctrl+C. Null if a PowerShell lacks it: then only the
    /// provider's Stopping is watched.
    /// </summary>
    private static readonly MethodInfo? RunningPipeline = typeof(Runspace).GetMethod("GetCurrentlyRunningPipeline", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes);

    /// <summary>The id of the drives' progress record (a cmdlet's is derived from its name).</summary>
    private const int ProgressId = 0x4454;

    [ThreadStatic]
    private static CmdletProvider? _serving;

    /// <summary>Runs a provider call as the call this thread serves: a fetch it triggers stops when the call's command is stopped.</summary>
    public static T Serving<T>(CmdletProvider provider, Func<T> call)
    {
        var outer = _serving;
        _serving = provider;
        try
        {
            return call();
        }
        finally
        {
            _serving = outer;
        }
    }

    /// <summary>Whether a pipeline (a Runspaces.Pipeline, read by reflection: the reference assemblies lack the type) is stopping or stopped.</summary>
    private static bool IsStopping(object? pipeline) =>
        pipeline?.GetType().GetProperty("PipelineStateInfo")?.GetValue(pipeline) is { } info
        && info.GetType().GetProperty("State")?.GetValue(info)?.ToString() is "Stopping" or "Stopped";

    /// <summary>The verbose output of the provider call this thread serves (its command's -Verbose), none outside one.</summary>
    public Action<string>? Log => _serving is { } provider ? provider.WriteVerbose : null;

    /// <summary>Progress records of the provider call this thread serves, as its command's.</summary>
    public IProgress<OperationProgress>? Progress => _serving is { } provider ? new CmdletProgress(provider.WriteProgress, ProgressId) : null;

    public void Fetch(LayerStore store, RemoteLayer layer, CancellationToken cancellationToken) =>
        Run(stopped => new RegistryLayerFetcher { CancellationToken = stopped, Log = Log, Progress = Progress }.Fetch(store, layer, cancellationToken));

    /// <summary>Runs <paramref name="work"/> (a fetch, an unpack) with a token cancelled when the command this thread serves is stopped.</summary>
    public void Run(Action<CancellationToken> work)
    {
        var provider = _serving;
        var pipeline = Runspace.DefaultRunspace is { } runspace ? RunningPipeline?.Invoke(runspace, null) : null;
        bool Stopping() => provider?.Stopping == true || IsStopping(pipeline);

        // A command being stopped starts no fetch (PowerShell may resolve its path again as it unwinds).
        if (Stopping())
        {
            throw new OperationCanceledException();
        }

        var stopped = new CancellationTokenSource();
        var watch = new Timer(_ =>
        {
            if (Stopping())
            {
                stopped.Cancel();
            }
        }, null, PollEvery, PollEvery);
        try
        {
            work(stopped.Token);
        }
        finally
        {
            // No callback may cancel a disposed source: wait for a running one to end first.
            using (var ended = new ManualResetEvent(false))
            {
                if (watch.Dispose(ended))
                {
                    ended.WaitOne();
                }
            }

            stopped.Dispose();
        }
    }
}
