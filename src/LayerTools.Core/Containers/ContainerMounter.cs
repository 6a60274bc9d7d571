using System.Text.Json;
using LayerTools.Core.HostFs;
using LayerTools.Core.Snapshots;

namespace LayerTools.Core.Containers;

/// <summary>
/// Mounts a container as a real overlayfs (Linux, root): the image's layers from the snapshot cache
/// as lower dirs, the container's <c>upper/</c> as the upperdir, <c>work/</c> beside it. Whatever a
/// program does in the mounted folder lands in <c>upper/</c> in overlayfs' own form, which the
/// container's view reads as its changes. The mount point is recorded in <c>mount.json</c> so that
/// Dismount finds it (and <see cref="ContainerStore.Remove"/> refuses while the mount exists). The
/// mount is made holding the container's lock (<see cref="ContainerLock.WriteLock"/>).
/// </summary>
internal static class ContainerMounter
{
    public const string RecordName = "mount.json";

    /// <summary>Mounts the container at <paramref name="target"/> (an existing folder); returns the container.</summary>
    public static ContainerLayer Mount(ContainerStore containers, string nameOrId, string target, CancellationToken cancellationToken = default)
    {
        RequireLinuxRoot();
        containers.Store.TryReclaim();
        var container = containers.Get(nameOrId);
        var dir = Path.Combine(containers.ContainersDir, container.Id);
        ContainerLock.ThrowIfRunning(dir, container.Name);
        if (ContainerStore.IsMounted(dir))
        {
            throw new LayerToolsException("ContainerMounted", ErrorKind.InvalidOperation, $"Container '{container.Name}' is already mounted{(MountPointOf(dir) is { } at ? " at '" + at + "'" : string.Empty)}; dismount it first.", container.Name);
        }

        target = Path.GetFullPath(target);
        if (!Directory.Exists(target))
        {
            throw new LayerToolsException("MountPointNotFound", ErrorKind.ObjectNotFound, $"The folder '{target}' does not exist; create it, then mount the container there.", target);
        }

        // Under the container's lock, as every change of the container: what a killed
        // Invoke-ContainerCommand left is reclaimed first (its runtime's mount points, RunStubs), so
        // that they never show in the mount nor become changes of the container.
        var view = containers.Open(container.Id);
        using var held = view.Locks.WriteLock();
        view.WhiteoutStorage.WriteOverlayWhiteoutsLocked();
        var lower = new SnapshotCache(containers.Store).Ensure(view.Layers.Select(l => l.DiffId).ToList(), cancellationToken: cancellationToken).ToList();
        if (lower.Count == 0)
        {
            var empty = Path.Combine(dir, "empty");
            Directory.CreateDirectory(empty);
            lower.Add(empty);
        }

        var work = Path.Combine(dir, "work");
        RemoveWork(work);
        Directory.CreateDirectory(work);
        // Recorded before the mount is made, so that Dismount-ContainerLayer and Remove-ContainerLayer -Force
        // find a mount whose command was killed the instant after making it (a record of no mount is dropped).
        var record = Path.Combine(dir, RecordName);
        containers.Store.WriteFile(record, JsonSerializer.SerializeToUtf8Bytes(new MountRecord { Target = target }));
        try
        {
            OverlayMount.Mount(lower, view.UpperDir, work, target); // stays mounted until Dismount
        }
        catch
        {
            File.Delete(record);
            throw;
        }

        return container;
    }

    /// <summary>Unmounts the container (when mounted) and forgets its mount; returns the folder it was mounted at.</summary>
    public static string Dismount(ContainerStore containers, string nameOrId)
    {
        var container = containers.Get(nameOrId);
        var dir = Path.Combine(containers.ContainersDir, container.Id);
        ContainerLock.ThrowIfRunning(dir, container.Name);
        var target = MountPointOf(dir);
        var mounted = ContainerStore.IsMounted(dir);
        var detached = false;
        if (target is null && !mounted)
        {
            throw new LayerToolsException("ContainerNotMounted", ErrorKind.InvalidOperation, $"Container '{container.Name}' is not mounted.", container.Name);
        }

        if (mounted)
        {
            if (target is null)
            {
                throw new LayerToolsException("ContainerMountUnknown", ErrorKind.InvalidOperation, $"Container '{container.Name}' is mounted, but not by Mount-ContainerLayer (its mount point is not recorded); unmount it with umount.", container.Name);
            }

            RequireLinuxRoot();
            // Busy (a shell inside it): detach now, the kernel finishes when the last user leaves.
            detached = LinuxNative.Umount2(target, 0) != 0;
            if (detached && LinuxNative.Umount2(target, LinuxNative.MntDetach) is var detach && detach != 0)
            {
                throw new LayerToolsException("DismountFailed", ErrorKind.InvalidOperation, $"Cannot unmount container '{container.Name}' from '{target}' (errno {-detach}).", container.Name);
            }
        }

        File.Delete(Path.Combine(dir, RecordName));
        if (!detached)
        {
            RemoveWork(Path.Combine(dir, "work")); // a detached mount may still use it until its last user leaves
        }

        return target ?? string.Empty;
    }

    /// <summary>The folder the container was mounted at by <see cref="Mount"/>, or null.</summary>
    public static string? MountPointOf(string containerDir)
    {
        var path = Path.Combine(containerDir, RecordName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<MountRecord>(File.ReadAllBytes(path))?.Target : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void RequireLinuxRoot()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LayerToolsException("MountNeedsLinux", ErrorKind.NotImplemented, "Mounting a container needs Linux (overlayfs). Elsewhere, change its files with Copy-ContainerItem.");
        }

        if (LinuxNative.GetEuid() != 0)
        {
            throw new LayerToolsException("MountNeedsRoot", ErrorKind.InvalidOperation, "Mounting a container as overlayfs needs root; run PowerShell as root (sudo), or change its files with Copy-ContainerItem.");
        }
    }

    private static void RemoveWork(string work)
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed class MountRecord
    {
        public string Target { get; set; } = string.Empty;
    }
}
