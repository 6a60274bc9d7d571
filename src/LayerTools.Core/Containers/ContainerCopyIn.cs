using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The second half of a copy into a container (<see cref="ContainerCopy.ToContainer"/>), all or
/// nothing: the staged entries go in under the container's write lock, each file by one rename from
/// the staging folder beside <c>upper/</c> through its pinned parent (<see cref="UpperPath"/>), so no
/// data is written twice and no link swapped into <c>upper/</c> can redirect it. A file already in
/// <c>upper/</c> is swapped out (RENAME_EXCHANGE) and kept in the staging folder until the end. Every
/// change is logged with its undo; on a failure the log is undone in reverse (overwritten files come
/// back, created entries go, removed overlay whiteouts return, directories that were there get their
/// mtime back) and the view is read again from disk,
/// where the whiteout record is written once, at the end, so it never changed.
/// </summary>
internal sealed class ContainerCopyIn
{
    private readonly ContainerView _view;
    private readonly List<(string Path, Action Undo)> _log = new();
    private readonly List<(string Path, long ModifiedTime)> _directories = new();
    private readonly Dictionary<string, DateTime> _parentTimes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _created = new(StringComparer.Ordinal);

    public ContainerCopyIn(ContainerView view) => _view = view;

    /// <summary>Puts every step in, in order; on a failure the container is left exactly as it was, and the error is thrown.</summary>
    public void Apply(IReadOnlyList<ContainerCopyStep> plan)
    {
        using var l = _view.Locks.WriteLock();
        try
        {
            foreach (var step in plan)
            {
                ContainerCopy.Guard(_view, step.Source, step.Destination, () => Place(step));
            }

            // Directories last, deepest first: what moved into them changed their mtime.
            for (var i = _directories.Count - 1; i >= 0; i--)
            {
                var (path, mtime) = _directories[i];
                using var host = _view.UpperFiles.Checked(path, EntryType.Directory);
                host.SetModifiedTime(DateTimeOffset.FromUnixTimeSeconds(mtime).UtcDateTime, isDirectory: true);
            }

            _view.SaveRecord();
        }
        catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
        {
            Undo(ex);
            throw;
        }
    }

    private void Place(ContainerCopyStep step)
    {
        if (step.Stat.Type == EntryType.Directory)
        {
            var resolved = _view.Resolve(step.Destination, followLast: true);
            if (_view.Node(resolved) is { Entry.Type: EntryType.Directory })
            {
                // Merged into the directory that is there, which keeps its own attributes (as docker cp does).
                return;
            }

            resolved = _view.Resolve(step.Destination, followLast: false);
            EnsureUpperDirectory(TarPath.Parent(resolved));
            Touching(TarPath.Parent(resolved));
            var whiteout = RemovesWhiteout(resolved);
            _view.Writes.CreateDirectoryLocked(resolved, step.Stat.Mode, parents: false, step.Destination);
            Created(resolved, whiteout);
            _directories.Add((resolved, step.Stat.ModifiedTime));
        }
        else if (step.LinkTarget is { } target)
        {
            var resolved = _view.Resolve(step.Destination, followLast: false);
            EnsureUpperDirectory(TarPath.Parent(resolved));
            Touching(TarPath.Parent(resolved));
            var whiteout = RemovesWhiteout(resolved);
            _view.Links.CreateSymlinkLocked(resolved, target, step.Destination);
            Created(resolved, whiteout);
        }
        else
        {
            PlaceFile(step, step.Staged!);
        }
    }

    /// <summary>The staged file, given its owner, mode and mtime, renamed to its place (links on the way followed inside the container, as a write would).</summary>
    private void PlaceFile(ContainerCopyStep step, string staged)
    {
        var resolved = _view.Resolve(step.Destination, followLast: true);
        var node = _view.Node(resolved);
        if (node is not null && node.Entry.Type is not (EntryType.File or EntryType.HardLink))
        {
            throw new LayerToolsException(node.Entry.Type == EntryType.Directory ? "IsADirectory" : "NotAFile", ErrorKind.InvalidArgument, $"'{ContainerPaths.Display(resolved)}' in container '{_view.Name}' is a {node.Entry.Type}; a file cannot replace it.", step.Destination);
        }

        if (node is null)
        {
            _view.Writes.RequireDirectory(TarPath.Parent(resolved), step.Destination);
        }

        EnsureUpperDirectory(TarPath.Parent(resolved));
        Touching(TarPath.Parent(resolved));
        _view.Metadata.SetOwnerOf(resolved, staged, 0, 0);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(staged, (UnixFileMode)(step.Stat.Mode & 0xFFF));
        }

        File.SetLastWriteTimeUtc(staged, DateTimeOffset.FromUnixTimeSeconds(step.Stat.ModifiedTime).UtcDateTime);
        if (_view.Upper.TypeOf(resolved) == EntryType.File)
        {
            using var existing = _view.UpperFiles.Checked(resolved, EntryType.File);
            existing.Exchange(staged);
            _log.Add((resolved, () =>
            {
                using var back = _view.UpperFiles.Checked(resolved, EntryType.File);
                back.Exchange(staged);
            }));
            _view.Upper.Add(resolved, existing.LStat()!.Value);
            return;
        }

        var whiteout = RemovesWhiteout(resolved);
        using var host = _view.UpperFiles.New(resolved);
        host.MoveIn(staged);
        Created(resolved, whiteout);
        _view.Upper.Add(resolved, host.LStat()!.Value);
    }

    /// <summary>Makes <paramref name="path"/> and its parents directories of <c>upper/</c> (copied up from the image), logging each one made.</summary>
    private void EnsureUpperDirectory(string path)
    {
        if (path.Length == 0 || _view.Upper.TypeOf(path) is not null)
        {
            _view.CopyUp.EnsureUpperDirectory(path);
            return;
        }

        EnsureUpperDirectory(TarPath.Parent(path));
        Touching(TarPath.Parent(path));
        _view.CopyUp.EnsureUpperDirectory(path);
        Created(path, whiteout: false);
    }

    /// <summary>Remembers the mtime of a directory of <c>upper/</c> that was there before this copy, before the copy first changes what it holds.</summary>
    private void Touching(string directory)
    {
        if (!_created.Contains(directory) && !_parentTimes.ContainsKey(directory))
        {
            using var host = PinDirectory(directory);
            _parentTimes[directory] = Directory.GetLastWriteTimeUtc(host.Host);
        }
    }

    /// <summary>A directory of <c>upper/</c>, pinned (the root of <c>upper/</c> is its own descriptor, which lstat cannot type).</summary>
    private UpperPath PinDirectory(string directory) => _view.UpperFiles.Checked(directory, directory.Length == 0 ? null : EntryType.Directory);

    /// <summary>True when an overlay whiteout (left by a program in the mounted container) is at the path: making an entry there removes it.</summary>
    private bool RemovesWhiteout(string path) => _view.Upper.OverlayWhiteouts.Contains(path);

    private void Created(string path, bool whiteout)
    {
        _created.Add(path);
        _log.Add((path, () =>
        {
            using var host = _view.UpperFiles.Checked(path, null);
            host.Remove();
            if (whiteout)
            {
                HostFile.MakeOverlayWhiteout(host.Host);
            }
        }));
    }

    /// <summary>Undoes the log, newest first, then reads the container again from disk; an undo that fails is reported with the error that caused it.</summary>
    private void Undo(Exception cause)
    {
        var failed = new List<string>();
        for (var i = _log.Count - 1; i >= 0; i--)
        {
            try
            {
                _log[i].Undo();
            }
            catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
            {
                failed.Add($"'{ContainerPaths.Display(_log[i].Path)}' ({ex.Message})");
            }
        }

        foreach (var (directory, time) in _parentTimes)
        {
            try
            {
                using var host = PinDirectory(directory);
                host.SetModifiedTime(time, isDirectory: true);
            }
            catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
            {
                failed.Add($"the time of '{ContainerPaths.Display(directory)}' ({ex.Message})");
            }
        }

        _view.Refresh();
        if (failed.Count > 0)
        {
            var why = cause is LayerToolsException { InnerException: { } inner } ? inner.Message : cause.Message;
            throw new LayerToolsException("CopyUndoFailed", ErrorKind.WriteError, $"The copy into container '{_view.Name}' failed ({why}), and undoing it failed for {string.Join(", ", failed)}: the container holds part of the copy.", _view.Name, cause);
        }
    }
}
