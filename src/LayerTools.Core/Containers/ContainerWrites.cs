using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// Writes to a container: files (an image file is copied up first), directories, and deletions (an
/// image path gets one whiteout, whatever lies beneath it). Each holds the container's write lock and
/// saves the whiteout record before it lets go.
/// </summary>
internal sealed class ContainerWrites
{
    private readonly ContainerView _view;

    public ContainerWrites(ContainerView view) => _view = view;

    private UpperFiles Host => _view.UpperFiles;

    /// <summary>
    /// Opens a file for writing (links followed, created when missing with <paramref name="mode"/>).
    /// An image file is copied up first, with its data only when <paramref name="append"/> keeps it.
    /// </summary>
    public Stream OpenWrite(string path, bool append = false, int mode = 0x1A4)
    {
        using var l = _view.Locks.WriteLock();
        var resolved = _view.Resolve(path, followLast: true);
        var node = _view.Node(resolved);
        if (node is null)
        {
            RequireDirectory(TarPath.Parent(resolved), path);
            _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(resolved));
            using var host = Host.New(resolved);
            var created = host.OpenFile(LinuxNative.OWrOnly | LinuxNative.OCreat | LinuxNative.OExcl, 0x180);
            try
            {
                _view.Metadata.Apply(resolved, host, EntryType.File, mode, 0, 0, null);
                _view.Upper.Add(resolved, host.LStat()!.Value);
                _view.SaveRecord();
            }
            catch
            {
                created.Dispose();
                throw;
            }

            return created;
        }

        if (node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException(node.Entry.Type == EntryType.Directory ? "IsADirectory" : "NotAFile", ErrorKind.InvalidArgument, $"'{ContainerPaths.Display(resolved)}' in container '{_view.Name}' is a {node.Entry.Type}; only files can be written.", path);
        }

        if (node.LayerIndex != _view.UpperLayerIndex)
        {
            _view.CopyUp.CopyUp(resolved, node, withData: append);
        }

        using var existing = Host.Checked(resolved, EntryType.File);
        var stream = existing.OpenFile(LinuxNative.OWrOnly | (append ? 0 : LinuxNative.OTrunc));
        if (append)
        {
            stream.Seek(0, SeekOrigin.End);
        }

        return stream;
    }

    /// <summary>Writes a whole file from a stream (see <see cref="OpenWrite"/>).</summary>
    public void WriteFile(string path, Stream content, bool append = false, int mode = 0x1A4)
    {
        using var output = OpenWrite(path, append, mode);
        content.CopyTo(output, 81920);
    }

    /// <summary>Creates a directory, and its missing parents when <paramref name="parents"/> (an existing directory is then fine, as with mkdir -p).</summary>
    public void CreateDirectory(string path, int mode = 0x1ED, bool parents = true)
    {
        using var l = _view.Locks.WriteLock();
        CreateDirectoryLocked(_view.Resolve(path, followLast: false), mode, parents, path);
        _view.SaveRecord();
    }

    /// <summary>Deletes a path (a final link itself, not its target). An image path gets one whiteout, whatever lies beneath it.</summary>
    public void Delete(string path, bool recursive = false)
    {
        using var l = _view.Locks.WriteLock();
        DeleteLocked(_view.Resolve(path, followLast: false), recursive, path);
        _view.SaveRecord();
    }

    /// <summary>mkdir at a resolved path; the caller holds the write lock and saves the record.</summary>
    public void CreateDirectoryLocked(string resolved, int mode, bool parents, string original)
    {
        if (_view.Node(resolved) is { } existing)
        {
            if (existing.Entry.Type == EntryType.Directory && parents)
            {
                return;
            }

            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{ContainerPaths.Display(resolved)}' already exists in container '{_view.Name}'.", original);
        }

        var parent = TarPath.Parent(resolved);
        if (_view.Node(parent) is null && parents)
        {
            CreateDirectoryLocked(RootResolver.ResolveParent(parent, _view.Lookup), 0x1ED, parents: true, original);
            parent = RootResolver.Resolve(parent, _view.Lookup, followLast: true);
            resolved = TarPath.Join(parent, TarPath.Name(resolved));
        }

        RequireDirectory(parent, original);
        _view.CopyUp.EnsureUpperDirectory(parent);
        using var host = Host.New(resolved);
        Host.MakeDirectory(host, resolved);
        _view.Metadata.Apply(resolved, host, EntryType.Directory, mode, 0, 0, null);
        _view.Upper.Add(resolved, host.LStat()!.Value);
        var whiteouts = _view.Whiteouts;
        if (whiteouts.Deleted.Contains(resolved) && _view.Lower.Get(resolved) is { Entry.Type: EntryType.Directory })
        {
            // A directory deleted from the image and made again: its image children stay hidden.
            whiteouts.Deleted.Remove(resolved);
            whiteouts.Opaque.Add(resolved);
        }
    }

    private void DeleteLocked(string resolved, bool recursive, string original)
    {
        if (resolved.Length == 0)
        {
            throw new LayerToolsException("CannotDeleteRoot", ErrorKind.InvalidArgument, "The container's root cannot be deleted.", original);
        }

        var node = _view.Node(resolved) ?? throw _view.NotFound(original);
        if (node.Entry.Type == EntryType.Directory && !recursive && _view.Reader.ChildNames(resolved).Any())
        {
            throw new LayerToolsException("DirectoryNotEmpty", ErrorKind.InvalidOperation, $"'{ContainerPaths.Display(resolved)}' in container '{_view.Name}' is not empty; delete it recursively.", original);
        }

        var whiteouts = _view.Whiteouts;
        var imageBelow = _view.Reader.LowerVisibleIgnoringUpper(resolved);
        var wasOpaque = whiteouts.Opaque.Contains(resolved);
        if (_view.Upper.Contains(resolved))
        {
            using (var host = Host.Checked(resolved, null))
            {
                host.Remove();
            }

            _view.Upper.RemoveTree(resolved);
        }

        whiteouts.ForgetBeneath(resolved, includeSelf: false);
        whiteouts.Owners.Remove(resolved);
        whiteouts.Opaque.Remove(resolved);
        if (imageBelow || wasOpaque || whiteouts.Deleted.Contains(resolved))
        {
            _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(resolved));
            whiteouts.Deleted.Add(resolved);
        }
    }

    /// <summary>The directory at <paramref name="path"/> that is to hold <paramref name="original"/>; an error when there is none.</summary>
    public UnionNode RequireDirectory(string path, string original)
    {
        var node = _view.Node(path);
        if (node is null)
        {
            throw new LayerToolsException("ParentNotFound", ErrorKind.ObjectNotFound, $"Container '{_view.Name}' has no directory '{ContainerPaths.Display(path)}' to hold '{original}'.", original);
        }

        if (node.Entry.Type != EntryType.Directory)
        {
            throw _view.NotADirectory(path);
        }

        return node;
    }

    /// <summary>An error when something is at <paramref name="path"/> already.</summary>
    public void RequireAbsent(string path, string original)
    {
        if (_view.Node(path) is not null)
        {
            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{ContainerPaths.Display(path)}' already exists in container '{_view.Name}'.", original);
        }
    }
}
