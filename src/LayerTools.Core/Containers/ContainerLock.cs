using LayerTools.Core.Store;

namespace LayerTools.Core.Containers;

/// <summary>
/// The container's lock file (<c>layertools/containers/&lt;id&gt;/lock</c>): every change holds it,
/// and taking it reloads the view when another view or process changed the container since it looked.
/// </summary>
internal sealed class ContainerLock
{
    private readonly ContainerView _view;

    public ContainerLock(ContainerView view) => _view = view;

    /// <summary>
    /// The lock for a change: while the container is mounted (Mount-ContainerLayer), the overlay and the
    /// programs working in it own upper/, so LayerTools refuses to change it underneath them.
    /// </summary>
    public StoreLock WriteLock()
    {
        var held = Lock();
        if (ContainerStore.IsMounted(_view.Directory))
        {
            held.Dispose();
            throw new LayerToolsException("ContainerMounted", ErrorKind.ResourceUnavailable, $"Container '{_view.Name}' is mounted; change its files through the mount folder, or run Dismount-ContainerLayer first.", _view.Name);
        }

        return held;
    }

    /// <summary>Takes the container's lock, and reloads the view when another view or process changed the container since it looked.</summary>
    public StoreLock Lock()
    {
        var held = StoreLock.Acquire(Path.Combine(_view.Directory, "lock"), StoreAccess.OwnerFile, LayerStore.LockTimeout);
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
}
