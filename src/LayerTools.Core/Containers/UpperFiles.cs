using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The host side of a container's <c>upper/</c>: every host path handed out is pinned through
/// <see cref="UpperPath"/> (parents checked on descriptors to be real directories beneath
/// <c>upper/</c>, no link anywhere), so a program in the mounted container cannot swap a link in
/// between the check and the use.
/// </summary>
internal sealed class UpperFiles
{
    private readonly ContainerView _view;

    public UpperFiles(ContainerView view) => _view = view;

    /// <summary>
    /// The host path of an upper path, pinned: every parent must be a real directory of <c>upper/</c>
    /// (no link anywhere, checked on descriptors, so a program in the mounted container cannot swap
    /// one in between the check and the use) and the path itself must have the expected type.
    /// </summary>
    public UpperPath Checked(string path, EntryType? expected)
    {
        var pinned = UpperPath.Open(_view.UpperDir, path, () => Unsafe(path));
        if (expected is { } type && pinned.LStat() is { } st && st.Type != type)
        {
            pinned.Dispose();
            throw Unsafe(path);
        }

        return pinned;
    }

    /// <summary>Opens a file of the writable layer for reading, never through a link.</summary>
    public FileStream OpenRead(string path)
    {
        using var host = Checked(path, EntryType.File);
        return host.OpenFile(LinuxNative.ORdOnly);
    }

    /// <summary>The host path for a new entry; an overlayfs whiteout left there (a character device 0/0) goes first, the deletion it recorded stays in the record.</summary>
    public UpperPath New(string path)
    {
        var host = Checked(path, null);
        if (_view.Upper.OverlayWhiteouts.Remove(path))
        {
            File.Delete(host.Host);
        }

        return host;
    }

    /// <summary>mkdir of a pinned path; an existing directory is fine, anything else there is not.</summary>
    public void MakeDirectory(UpperPath host, string path)
    {
        if (host.LStat() is { } st)
        {
            if (st.Type != EntryType.Directory)
            {
                throw Unsafe(path);
            }

            return;
        }

        Directory.CreateDirectory(host.Host);
    }

    public LayerToolsException Unsafe(string path) =>
        new("UnsafeUpperPath", ErrorKind.SecurityError, $"'{ContainerPaths.Display(path)}' of container '{_view.Name}' does not lie under its upper directory through real directories (a link or a changed type is in the way); nothing was written.", path);
}
