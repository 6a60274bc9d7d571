using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// Copies and moves within a container. A copy keeps mode, owner and mtime. A move of paths that live
/// only in the writable layer is a rename in place; image paths are copied and whited out, as
/// overlayfs does.
/// </summary>
internal sealed class ContainerMoves
{
    private readonly ContainerView _view;

    public ContainerMoves(ContainerView view) => _view = view;

    private static string Display(string path) => ContainerPaths.Display(path);

    /// <summary>Copies a file, link or (with <paramref name="recursive"/>) directory within the container, keeping mode, owner and mtime.</summary>
    public void Copy(string source, string destination, bool recursive = false)
    {
        var src = _view.Resolve(source, followLast: false);
        var node = _view.Node(src) ?? throw _view.NotFound(source);
        var dst = _view.Resolve(destination, followLast: false);
        if (_view.Node(_view.Resolve(destination, followLast: true)) is { Entry.Type: EntryType.Directory } && !(node.Entry.Type == EntryType.Directory && _view.Node(dst) is null))
        {
            dst = TarPath.Join(_view.Resolve(destination, followLast: true), TarPath.Name(src));
        }

        if (node.Entry.Type == EntryType.Directory && TarPath.IsWithin(dst, src))
        {
            throw new LayerToolsException("CopyIntoItself", ErrorKind.InvalidArgument, $"Cannot copy '{Display(src)}' into itself ('{Display(dst)}').", source);
        }

        CopyTree(src, node, dst, recursive, source);
    }

    /// <summary>Moves (renames) a path within the container. Paths only in the writable layer move in place; image paths are copied and whited out, as overlayfs does.</summary>
    public void Move(string source, string destination)
    {
        var src = _view.Resolve(source, followLast: false);
        var node = _view.Node(src) ?? throw _view.NotFound(source);
        if (src.Length == 0)
        {
            throw new LayerToolsException("CannotMoveRoot", ErrorKind.InvalidArgument, "The container's root cannot be moved.", source);
        }

        var dst = _view.Resolve(destination, followLast: false);
        if (_view.Node(_view.Resolve(destination, followLast: true)) is { Entry.Type: EntryType.Directory } dirNode && dirNode.Entry.Path != src)
        {
            dst = TarPath.Join(_view.Resolve(destination, followLast: true), TarPath.Name(src));
        }

        if (dst == src)
        {
            return;
        }

        if (TarPath.IsWithin(dst, src))
        {
            throw new LayerToolsException("MoveIntoItself", ErrorKind.InvalidArgument, $"Cannot move '{Display(src)}' into itself ('{Display(dst)}').", source);
        }

        if (_view.Node(dst) is { } existing)
        {
            if (existing.Entry.Type == EntryType.Directory && _view.List(Display(dst)).Count > 0)
            {
                throw new LayerToolsException("DirectoryNotEmpty", ErrorKind.InvalidOperation, $"Cannot move onto '{Display(dst)}': it is a directory that is not empty.", destination);
            }

            _view.Delete(Display(dst), recursive: true);
        }

        var reader = _view.Reader;
        var upperOnly = node.LayerIndex == _view.UpperLayerIndex && !reader.LowerVisibleIgnoringUpper(src) && !reader.HasLowerBeneath(src) && (node.Entry.Type != EntryType.File || _view.Upper.GroupOf(src) is null);
        if (!upperOnly)
        {
            CopyTree(src, node, dst, recursive: true, source);
            _view.Delete(Display(src), recursive: true);
            return;
        }

        using var l = _view.Locks.WriteLock();
        _view.Writes.RequireDirectory(TarPath.Parent(dst), destination);
        _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(dst));
        using (var from = _view.UpperFiles.Checked(src, node.Entry.Type == EntryType.HardLink ? EntryType.File : node.Entry.Type))
        using (var to = _view.UpperFiles.New(dst))
        {
            // rename(2) never follows a link; both names are pinned to their directories.
            if (node.Entry.Type == EntryType.Directory)
            {
                Directory.Move(from.Host, to.Host);
            }
            else
            {
                File.Move(from.Host, to.Host);
            }

            _view.Upper.RemoveTree(src);
            _view.Upper.Add(dst, to.LStat()!.Value);
        }

        if (node.Entry.Type == EntryType.Directory)
        {
            _view.Upper.LoadBeneath(dst);
        }

        var owners = _view.Whiteouts.Owners;
        foreach (var key in owners.Keys.Where(k => TarPath.IsWithin(k, src)).ToList())
        {
            owners.Remove(key, out var owner);
            owners[dst + key[src.Length..]] = owner!;
        }

        _view.SaveRecord();
    }

    private void CopyTree(string src, UnionNode node, string dst, bool recursive, string original)
    {
        var e = node.Entry;
        switch (e.Type)
        {
            case EntryType.Directory:
                if (!recursive)
                {
                    throw new LayerToolsException("DirectoryNeedsRecurse", ErrorKind.InvalidArgument, $"'{Display(src)}' is a directory; copy it recursively.", original);
                }

                using (_view.Locks.WriteLock())
                {
                    _view.Writes.CreateDirectoryLocked(dst, e.Mode, parents: false, original);
                    using (var host = _view.UpperFiles.Checked(dst, null))
                    {
                        _view.Metadata.SetOwnerOf(dst, host, e.Uid, e.Gid);
                    }

                    _view.SaveRecord();
                }

                foreach (var name in _view.Reader.ChildNames(src).ToList())
                {
                    var child = TarPath.Join(src, name);
                    CopyTree(child, _view.Node(child)!, TarPath.Join(dst, name), recursive: true, original);
                }

                using (_view.Locks.WriteLock())
                {
                    using var host = _view.UpperFiles.Checked(dst, EntryType.Directory);
                    _view.Metadata.Apply(dst, host, EntryType.Directory, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    _view.SaveRecord();
                }

                break;
            case EntryType.File:
            case EntryType.HardLink:
                using (var input = _view.Reader.OpenNode(src, node))
                using (var output = _view.OpenWrite(Display(dst), append: false, e.Mode))
                {
                    input.CopyTo(output, 81920);
                }

                using (_view.Locks.WriteLock())
                {
                    var target = _view.Resolve(Display(dst), followLast: true);
                    using var host = _view.UpperFiles.Checked(target, EntryType.File);
                    _view.Metadata.Apply(target, host, EntryType.File, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    _view.SaveRecord();
                }

                break;
            case EntryType.SymbolicLink:
                _view.CreateSymlink(Display(dst), e.LinkTarget!);
                using (_view.Locks.WriteLock())
                {
                    using (var host = _view.UpperFiles.Checked(dst, null))
                    {
                        _view.Metadata.SetOwnerOf(dst, host, e.Uid, e.Gid);
                    }

                    _view.SaveRecord();
                }

                break;
            default:
                throw new LayerToolsException("CannotCopyDevice", ErrorKind.NotImplemented, $"'{Display(src)}' is a {e.Type}; devices and FIFOs are not copied.", original);
        }
    }
}
