using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// Copy-up: the first write to an image path makes it a real entry of <c>upper/</c>. A file is copied
/// once, streamed from its layer blob by offset, with its mode, owner and mtime, and the other visible
/// names of its hard-link group become hard links to the copy; a directory (and each missing parent)
/// is made with the image's metadata. Callers hold the container's write lock.
/// </summary>
internal sealed class ContainerCopyUp
{
    private readonly ContainerView _view;

    public ContainerCopyUp(ContainerView view) => _view = view;

    /// <summary>The node at <paramref name="resolved"/> once it lives in <c>upper/</c> (copied up with its data when it came from the image).</summary>
    public UnionNode CopiedUp(string resolved, string path)
    {
        if (resolved.Length == 0)
        {
            throw new LayerToolsException("CannotChangeRoot", ErrorKind.InvalidOperation, $"The attributes of the root of container '{_view.Name}' come from its image and cannot be changed.", path);
        }

        var node = _view.Node(resolved) ?? throw _view.NotFound(path);
        if (node.LayerIndex == _view.UpperLayerIndex)
        {
            return node;
        }

        if (node.Entry.Type == EntryType.Directory)
        {
            EnsureUpperDirectory(resolved);
        }
        else
        {
            CopyUp(resolved, node, withData: true);
        }

        return _view.Node(resolved)!;
    }

    /// <summary>
    /// Copies an image file into <c>upper/</c> once: its data streamed from the layer blob, its mode,
    /// owner and mtime; the other visible names of its hard-link group become hard links to the copy.
    /// </summary>
    public void CopyUp(string path, UnionNode node, bool withData)
    {
        var upper = _view.Upper;
        var lowerData = _view.LowerData;
        var key = lowerData.GroupKey(node);
        var members = new SortedSet<string>(TreeOrder.Instance) { path };
        if (lowerData.Groups().TryGetValue(key, out var group))
        {
            foreach (var member in group)
            {
                if (upper.TypeOf(member) is null && _view.Node(member) is { } m && m.LayerIndex != _view.UpperLayerIndex && lowerData.GroupKey(m) == key)
                {
                    members.Add(member);
                }
            }
        }

        var (layer, data) = lowerData.DataOf(node);
        var first = members.Min!;
        EnsureUpperDirectory(TarPath.Parent(first));
        using var host = _view.UpperFiles.Checked(first, null);
        using (var output = host.OpenFile(LinuxNative.OWrOnly | LinuxNative.OCreat | LinuxNative.OExcl, 0x180))
        {
            if (withData && data.Size > 0)
            {
                using var input = lowerData.Open(layer, data);
                input.CopyTo(output, 81920);
            }
        }

        var meta = _view.Node(first)?.Entry is { Type: EntryType.File } own ? own : data;
        _view.Metadata.Apply(first, host, EntryType.File, meta.Mode, meta.Uid, meta.Gid, withData ? meta.ModifiedTime : null);
        upper.Add(first, host.LStat()!.Value);
        foreach (var member in members)
        {
            if (member == first)
            {
                continue;
            }

            EnsureUpperDirectory(TarPath.Parent(member));
            using var memberHost = _view.UpperFiles.Checked(member, null);
            HostFile.Link(host.Host, memberHost.Host);
            if (!_view.UseChown)
            {
                _view.Whiteouts.Owners[member] = new[] { meta.Uid, meta.Gid };
            }

            upper.Add(member, memberHost.LStat()!.Value);
        }

        _view.SaveRecord();
    }

    /// <summary>Makes <paramref name="path"/> and its parents real directories of <c>upper/</c>, with the image's mode, owner and mtime.</summary>
    public void EnsureUpperDirectory(string path)
    {
        if (path.Length == 0)
        {
            return;
        }

        if (_view.Upper.TypeOf(path) is { } type)
        {
            if (type != EntryType.Directory)
            {
                throw _view.NotADirectory(path);
            }

            _view.UpperFiles.Checked(path, EntryType.Directory).Dispose();
            return;
        }

        EnsureUpperDirectory(TarPath.Parent(path));
        var node = _view.Node(path);
        if (node is not { Entry.Type: EntryType.Directory })
        {
            throw _view.NotADirectory(path);
        }

        using var host = _view.UpperFiles.Checked(path, null);
        _view.UpperFiles.MakeDirectory(host, path);
        var e = node.Entry;
        _view.Metadata.Apply(path, host, EntryType.Directory, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
        _view.Upper.Add(path, host.LStat()!.Value);
    }
}
