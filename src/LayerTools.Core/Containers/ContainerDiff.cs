using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>What a container changed in its image: the paths <c>docker diff</c> lists, and the size of its writable layer.</summary>
internal sealed class ContainerDiff
{
    private readonly ContainerView _view;

    public ContainerDiff(ContainerView view) => _view = view;

    /// <summary>True when the container differs from its image at all.</summary>
    public bool HasChanges => _view.Upper.Count > 0 || _view.Whiteouts.Deleted.Count > 0 || _view.Whiteouts.Opaque.Count > 0;

    /// <summary>Bytes of file content in the writable layer (each inode once).</summary>
    public long UpperSize()
    {
        long size = 0;
        var seen = new HashSet<(long, long)>();
        foreach (var path in _view.Upper.Paths)
        {
            if (_view.Upper.TypeOf(path) != EntryType.File)
            {
                continue;
            }

            using var host = _view.UpperFiles.Checked(path, null);
            if (host.LStat() is { Type: EntryType.File } st && (st.Inode == 0 || seen.Add(st.FileId)))
            {
                size += st.Size;
            }
        }

        return size;
    }

    /// <summary>The paths that differ from the image, as <c>docker diff</c> lists them, in tar order.</summary>
    public IReadOnlyList<ContainerChange> Changes()
    {
        var upper = _view.Upper;
        var lower = _view.Lower;
        var whiteouts = _view.Whiteouts;
        var changes = new Dictionary<string, ChangeKind>(StringComparer.Ordinal);
        foreach (var path in upper.Paths)
        {
            changes[path] = lower.Get(path) is null ? ChangeKind.Added : ChangeKind.Modified;
        }

        void HiddenChildren(string dir)
        {
            foreach (var child in lower.List(dir))
            {
                if (!upper.Contains(child.Entry.Path))
                {
                    changes[child.Entry.Path] = ChangeKind.Deleted;
                }
            }
        }

        foreach (var deleted in whiteouts.Deleted)
        {
            if (!upper.Contains(deleted))
            {
                changes[deleted] = ChangeKind.Deleted;
            }
            else if (upper.TypeOf(deleted) == EntryType.Directory)
            {
                HiddenChildren(deleted);
            }
        }

        foreach (var opaque in whiteouts.Opaque)
        {
            HiddenChildren(opaque);
        }

        return changes.OrderBy(c => c.Key, TreeOrder.Instance)
            .Select(c => new ContainerChange { Path = ContainerPaths.Display(c.Key), Kind = c.Value, Container = _view.Name })
            .ToList();
    }
}
