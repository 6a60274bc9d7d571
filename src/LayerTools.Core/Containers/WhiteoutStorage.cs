using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// Where a container keeps its deletions: the whiteout record beside <c>upper/</c> (deleted paths,
/// opaque directories, owners kept for non-root writers, a generation that tells other views to
/// reload), read together with the overlayfs whiteouts a program left in <c>upper/</c>, and written
/// back in overlayfs' own form before a mount.
/// </summary>
internal sealed class WhiteoutStorage
{
    private readonly ContainerView _view;

    public WhiteoutStorage(ContainerView view) => _view = view;

    public string RecordPath => Path.Combine(_view.Directory, WhiteoutRecord.FileName);

    /// <summary>The record on disk, with the overlayfs whiteouts and opaque marks found in <paramref name="upper"/>.</summary>
    public WhiteoutRecord Read(UpperIndex upper)
    {
        var record = WhiteoutRecord.Read(RecordPath);
        foreach (var deleted in upper.OverlayWhiteouts)
        {
            record.Deleted.Add(deleted);
        }

        foreach (var opaque in upper.OverlayOpaque)
        {
            record.Opaque.Add(opaque);
        }

        return record;
    }

    /// <summary>True when another view or process wrote the record since this view read it.</summary>
    public bool Changed => WhiteoutRecord.ReadGeneration(RecordPath) != _view.Whiteouts.Generation;

    /// <summary>Writes the whiteout record (a new generation) atomically; callers hold the container's lock.</summary>
    public void Save()
    {
        var whiteouts = _view.Whiteouts;
        whiteouts.Generation++;
        _view.Store.WriteFile(RecordPath, whiteouts.ToJson());
    }

    /// <summary>
    /// Puts the recorded whiteouts into <c>upper/</c> in overlayfs' own form (a character device 0/0 for
    /// each deleted path, the opaque xattr on each opaque directory), so that the directory can be
    /// mounted as an overlay upperdir and show exactly this view. The record keeps them too; this view
    /// and later ones read both forms as the same deletions.
    /// </summary>
    public void WriteOverlayWhiteouts()
    {
        using var l = _view.Locks.Lock();
        WriteOverlayWhiteoutsLocked();
    }

    /// <inheritdoc cref="WriteOverlayWhiteouts"/>
    /// <remarks>The caller holds the container's lock.</remarks>
    public void WriteOverlayWhiteoutsLocked()
    {
        var upper = _view.Upper;
        foreach (var deleted in _view.Whiteouts.Deleted)
        {
            if (upper.Contains(deleted) || upper.OverlayWhiteouts.Contains(deleted))
            {
                continue;
            }

            _view.CopyUp.EnsureUpperDirectory(TarPath.Parent(deleted));
            using (var host = _view.UpperFiles.Checked(deleted, null))
            {
                HostFile.MakeOverlayWhiteout(host.Host);
            }

            upper.OverlayWhiteouts.Add(deleted);
        }

        foreach (var opaque in _view.Whiteouts.Opaque)
        {
            if (upper.TypeOf(opaque) == EntryType.Directory && !upper.OverlayOpaque.Contains(opaque))
            {
                using var host = _view.UpperFiles.Checked(opaque, EntryType.Directory);
                HostFile.MarkOverlayOpaque(host.Host);
                upper.OverlayOpaque.Add(opaque);
            }
        }
    }
}
