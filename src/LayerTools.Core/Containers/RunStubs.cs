using LayerTools.Core.Layers;
using LayerTools.Core.Run;
using LayerTools.Core.Store;

namespace LayerTools.Core.Containers;

/// <summary>
/// The mount points a command run in the container (Invoke-ContainerCommand) has the runtime make in
/// the writable layer: those the container lacks before the run are listed in a <c>stubs</c> file beside
/// its lock while it runs, and removed at its end. A run killed before its end (kill -9 of PowerShell)
/// leaves the file, and the next change of the container, holding its lock, removes what it lists, so
/// that the empty /proc, /dev, /etc/hosts, … never become changes of the container.
/// </summary>
internal static class RunStubs
{
    private const string FileName = "stubs";

    /// <summary>Lists the runtime's mount points <paramref name="view"/> lacks; the caller holds the container's lock.</summary>
    public static void Record(ContainerView view) =>
        view.Store.WriteFile(PathOf(view), System.Text.Encoding.UTF8.GetBytes(string.Join('\n', RuntimeBundle.MountPoints.Where(p => view.Lookup(p) is null))));

    /// <summary>The run ended and removed its stubs itself.</summary>
    public static void Forget(ContainerView view) => AtomicFile.TryDelete(PathOf(view));

    /// <summary>Removes the stubs a killed run left, if any; the caller holds the container's lock.</summary>
    public static void RemoveLeftByKilledRun(ContainerView view)
    {
        var path = PathOf(view);
        if (!File.Exists(path))
        {
            return;
        }

        var listed = File.ReadAllLines(path).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
        RunExecutor.RemoveMountStubs(view.UpperDir, new Before(view, listed), listed);
        AtomicFile.TryDelete(path);
        view.Refresh();
    }

    private static string PathOf(ContainerView view) => Path.Combine(view.Directory, FileName);

    /// <summary>The container as it was before the killed run: as now, without the stubs it listed.</summary>
    private sealed class Before : ILowerView
    {
        private readonly ILowerView _now;
        private readonly IReadOnlySet<string> _stubs;

        public Before(ILowerView now, IReadOnlySet<string> stubs)
        {
            _now = now;
            _stubs = stubs;
        }

        public LayerEntry? Lookup(string path) => _stubs.Contains(path) ? null : _now.Lookup(path);
    }
}
