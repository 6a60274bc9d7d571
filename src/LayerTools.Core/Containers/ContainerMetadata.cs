using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The metadata of a container's entries: chmod, chown and the modification time of a path (an image
/// path is copied up first), and the mode, owner and mtime every new entry of <c>upper/</c> is given.
/// Owners go to the host with lchown when the process may (root), else into the whiteout record.
/// </summary>
internal sealed class ContainerMetadata
{
    private readonly ContainerView _view;

    public ContainerMetadata(ContainerView view) => _view = view;

    /// <summary>Changes the permission bits (links followed); an image path is copied up first.</summary>
    public void SetMode(string path, int mode)
    {
        using var l = _view.Locks.WriteLock();
        var resolved = _view.Resolve(path, followLast: true);
        var node = _view.CopyUp.CopiedUp(resolved, path);
        using var host = _view.UpperFiles.Checked(resolved, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type);
        if (node.Entry.Type != EntryType.SymbolicLink)
        {
            host.SetMode(mode);
        }
    }

    /// <summary>Changes the owner (links followed); an image path is copied up first.</summary>
    public void SetOwner(string path, int uid, int gid)
    {
        using var l = _view.Locks.WriteLock();
        var resolved = _view.Resolve(path, followLast: true);
        var node = _view.CopyUp.CopiedUp(resolved, path);
        using var host = _view.UpperFiles.Checked(resolved, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type);
        var mode = host.LStat()!.Value.Mode;
        SetOwnerOf(resolved, host, uid, gid);
        if (node.Entry.Type != EntryType.SymbolicLink)
        {
            host.SetMode(mode); // chown clears setuid and setgid: keep the bits
        }

        _view.SaveRecord();
    }

    /// <summary>Sets the modification time (links followed); an image path is copied up first.</summary>
    public void SetModifiedTime(string path, DateTimeOffset time)
    {
        using var l = _view.Locks.WriteLock();
        var resolved = _view.Resolve(path, followLast: true);
        var node = _view.CopyUp.CopiedUp(resolved, path);
        var type = node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type;
        using var host = _view.UpperFiles.Checked(resolved, type);
        if (type is EntryType.Directory or EntryType.File)
        {
            host.SetModifiedTime(time.UtcDateTime, type == EntryType.Directory);
        }
    }

    /// <summary>Gives a pinned entry of <c>upper/</c> its owner, mode and (when given) mtime; a link gets its owner only.</summary>
    public void Apply(string path, UpperPath host, EntryType type, int mode, int uid, int gid, long? mtime)
    {
        SetOwnerOf(path, host, uid, gid);
        if (type == EntryType.SymbolicLink || OperatingSystem.IsWindows())
        {
            return;
        }

        host.SetMode(mode);
        if (mtime is { } seconds)
        {
            host.SetModifiedTime(DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime, type == EntryType.Directory);
        }
    }

    /// <summary>lchown of a pinned entry (root), or its owner kept in the whiteout record.</summary>
    public void SetOwnerOf(string path, UpperPath host, int uid, int gid) => SetOwnerOf(path, host.Host, uid, gid);

    /// <summary>lchown of a host path that is to become <paramref name="path"/> (root), or its owner kept in the whiteout record.</summary>
    public void SetOwnerOf(string path, string hostPath, int uid, int gid)
    {
        if (_view.UseChown)
        {
            HostFile.LChown(hostPath, uid, gid);
            _view.Whiteouts.Owners.Remove(path);
        }
        else
        {
            _view.Whiteouts.Owners[path] = new[] { uid, gid };
        }
    }
}
