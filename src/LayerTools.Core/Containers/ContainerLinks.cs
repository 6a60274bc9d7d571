using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>Links in a container: symbolic links (kept as given, resolved inside the root) and hard links (an image file is copied up first, with its link group).</summary>
internal sealed class ContainerLinks
{
    private readonly ContainerView _view;

    public ContainerLinks(ContainerView view) => _view = view;

    /// <summary>Creates a symbolic link; its target is kept as given (it resolves inside the container's root).</summary>
    public void CreateSymlink(string path, string target)
    {
        if (target.Length == 0 || target.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerToolsException("InvalidLinkTarget", ErrorKind.InvalidArgument, "A symbolic link needs a target without NUL characters.", path);
        }

        using var l = _view.Locks.WriteLock();
        CreateSymlinkLocked(_view.Resolve(path, followLast: false), target, path);
        _view.SaveRecord();
    }

    /// <summary>ln -s at a resolved path; the caller holds the write lock and saves the record.</summary>
    public void CreateSymlinkLocked(string resolved, string target, string original)
    {
        _view.Writes.RequireAbsent(resolved, original);
        _view.Writes.RequireDirectory(TarPath.Parent(resolved), original);
        _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(resolved));
        using var host = _view.UpperFiles.New(resolved);
        File.CreateSymbolicLink(host.Host, target);
        _view.Metadata.Apply(resolved, host, EntryType.SymbolicLink, 0x1FF, 0, 0, null);
        _view.Upper.Add(resolved, host.LStat()!.Value);
    }

    /// <summary>Makes <paramref name="path"/> another name of the file <paramref name="target"/> (an image file is copied up first, with its link group).</summary>
    public void CreateHardLink(string path, string target)
    {
        using var l = _view.Locks.WriteLock();
        var source = _view.Resolve(target, followLast: false);
        var node = _view.Node(source) ?? throw _view.NotFound(target);
        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException("NotAFile", ErrorKind.InvalidArgument, $"'{ContainerPaths.Display(source)}' in container '{_view.Name}' is a {node.Entry.Type}; hard links name files only.", target);
        }

        if (node.LayerIndex != _view.UpperLayerIndex)
        {
            _view.CopyUp.CopyUp(source, node, withData: true);
        }

        var resolved = _view.Resolve(path, followLast: false);
        _view.Writes.RequireAbsent(resolved, path);
        _view.Writes.RequireDirectory(TarPath.Parent(resolved), path);
        _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(resolved));
        using var existing = _view.UpperFiles.Checked(source, EntryType.File);
        using var host = _view.UpperFiles.New(resolved);
        HostFile.Link(existing.Host, host.Host);
        if (_view.Whiteouts.Owners.TryGetValue(source, out var owner))
        {
            _view.Whiteouts.Owners[resolved] = owner;
        }

        _view.Upper.Add(resolved, host.LStat()!.Value);
        _view.SaveRecord();
    }
}
