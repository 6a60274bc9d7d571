using System.Globalization;
using LayerTools.Core.Store;

namespace LayerTools.Core.Containers;

/// <summary>
/// The container's lock file (<c>layertools/containers/&lt;id&gt;/lock</c>): every change holds it,
/// and taking it reloads the view when another view or process changed the container since it looked.
/// A command running in the container (Invoke-ContainerCommand) holds it for as long as it runs and
/// says so in a <c>running</c> file beside it, so that a change asked for meanwhile is refused at once
/// with the reason instead of waiting for the command.
/// </summary>
internal sealed class ContainerLock
{
    private const string RunningFile = "running";

    private readonly ContainerView _view;

    public ContainerLock(ContainerView view) => _view = view;

    private string RunningPath => Path.Combine(_view.Directory, RunningFile);

    /// <summary>
    /// The lock for a change: while the container is mounted (Mount-ContainerLayer), the overlay and the
    /// programs working in it own upper/, so LayerTools refuses to change it underneath them. What a
    /// killed command left is reclaimed first: an Invoke-ContainerCommand killed while its overlay was
    /// mounted (in its lease's scratch folder, over this upper/) would otherwise leave the container
    /// looking mounted to every later change, and the mount points its runtime made as changes (<see cref="RunStubs"/>).
    /// </summary>
    public StoreLock WriteLock()
    {
        _view.Store.TryReclaim();
        var held = Lock();
        if (ContainerStore.IsMounted(_view.Directory))
        {
            held.Dispose();
            throw new LayerToolsException("ContainerMounted", ErrorKind.ResourceUnavailable, $"Container '{_view.Name}' is mounted; change its files through the mount folder, or run Dismount-ContainerLayer first.", _view.Name);
        }

        try
        {
            RunStubs.RemoveLeftByKilledRun(_view);
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return held;
    }

    /// <summary>
    /// The write lock for a command that runs in the container: held until the returned lock is
    /// disposed, with the <c>running</c> file naming <paramref name="what"/> meanwhile.
    /// </summary>
    public IDisposable RunLock(string what)
    {
        var held = WriteLock();
        try
        {
            _view.Store.WriteFile(RunningPath, System.Text.Encoding.UTF8.GetBytes($"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {what}"));
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return new Running(this, held);
    }

    /// <summary>Takes the container's lock, and reloads the view when another view or process changed the container since it looked.</summary>
    public StoreLock Lock()
    {
        var path = Path.Combine(_view.Directory, "lock");
        StoreLock held;
        try
        {
            held = StoreLock.Acquire(path, StoreAccess.OwnerFile, TimeSpan.Zero);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "StoreBusy" && RunningCommand(_view.Directory) is { } running)
        {
            throw Busy(_view.Name, running, ex);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "StoreBusy")
        {
            held = StoreLock.Acquire(path, StoreAccess.OwnerFile, LayerStore.LockTimeout);
        }

        try
        {
            if (_view.WhiteoutStorage.Changed)
            {
                _view.Refresh();
            }
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return held;
    }

    /// <summary>
    /// Throws ContainerBusy while a command runs in the container in <paramref name="containerDir"/>
    /// (its <c>running</c> file is there and its lock is held): its overlay is mounted, and neither a
    /// mount, a dismount nor a removal may take it away.
    /// </summary>
    public static void ThrowIfRunning(string containerDir, string name)
    {
        if (RunningCommand(containerDir) is not { } running)
        {
            return;
        }

        try
        {
            StoreLock.Acquire(Path.Combine(containerDir, "lock"), StoreAccess.OwnerFile, TimeSpan.Zero).Dispose();
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "StoreBusy")
        {
            throw Busy(name, running, ex);
        }
    }

    private static LayerToolsException Busy(string name, string running, Exception inner) =>
        new("ContainerBusy", ErrorKind.ResourceUnavailable, $"Container '{name}' is running a command (process {running}); wait for it to end, or stop it, before changing the container.", name, inner);

    /// <summary>What the <c>running</c> file says (process id and command), or null when there is none.</summary>
    private static string? RunningCommand(string containerDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(containerDir, RunningFile)).Trim();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private sealed class Running : IDisposable
    {
        private readonly ContainerLock _owner;
        private readonly StoreLock _held;

        public Running(ContainerLock owner, StoreLock held)
        {
            _owner = owner;
            _held = held;
        }

        public void Dispose()
        {
            try
            {
                AtomicFile.TryDelete(_owner.RunningPath);
            }
            finally
            {
                _held.Dispose();
            }
        }
    }
}
