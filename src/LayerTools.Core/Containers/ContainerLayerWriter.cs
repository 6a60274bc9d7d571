using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// Turns a container's writable layer into one layer tar: its files, links and directories; an OCI
/// whiteout for each deleted image path (one for a whole directory); an opaque marker for a directory
/// deleted and made again; the parents of every changed path with the image's mode and owner. Entries
/// come in tar order (a directory's whole subtree before its next sibling), whiteouts before their
/// siblings, the first name of a hard-link group as the file and the others as links to it.
/// </summary>
internal static class ContainerLayerWriter
{
    public static void Write(ContainerView view, LayerTarWriter tar, CancellationToken cancellationToken = default)
    {
        var children = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var whiteouts = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var opaque = new HashSet<string>(StringComparer.Ordinal);

        void Include(string path)
        {
            while (path.Length > 0)
            {
                var parent = TarPath.Parent(path);
                if (!children.TryGetValue(parent, out var names))
                {
                    names = children[parent] = new SortedSet<string>(StringComparer.Ordinal);
                }

                if (!names.Add(TarPath.Name(path)))
                {
                    return;
                }

                path = parent;
            }
        }

        foreach (var path in view.Upper.Paths)
        {
            Include(path);
        }

        foreach (var deleted in view.Whiteouts.Deleted)
        {
            if (view.Upper.TypeOf(deleted) == EntryType.Directory && view.Lower.Get(deleted) is { Entry.Type: EntryType.Directory })
            {
                opaque.Add(deleted);
                continue;
            }

            var parent = TarPath.Parent(deleted);
            Include(parent);
            if (!whiteouts.TryGetValue(parent, out var names))
            {
                names = whiteouts[parent] = new SortedSet<string>(StringComparer.Ordinal);
            }

            names.Add(TarPath.Name(deleted));
        }

        foreach (var dir in view.Whiteouts.Opaque)
        {
            opaque.Add(dir);
            Include(dir);
        }

        var emitted = new Dictionary<(long, long), string>();

        void Emit(string dir)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (opaque.Contains(dir))
            {
                tar.AddOpaque(dir);
            }

            if (whiteouts.TryGetValue(dir, out var hidden))
            {
                foreach (var name in hidden)
                {
                    tar.AddWhiteout(TarPath.Join(dir, name));
                }
            }

            if (!children.TryGetValue(dir, out var names))
            {
                return;
            }

            foreach (var name in names)
            {
                var path = TarPath.Join(dir, name);
                if (!view.Upper.Contains(path))
                {
                    // A parent of a change: carried with the image's attributes.
                    var lower = view.Node(path) ?? view.Lower.Get(path) ?? throw new InvalidOperationException($"No image directory at '{path}'.");
                    var e = lower.Entry;
                    tar.AddDirectory(path, e.Mode, e.Uid, e.Gid, e.ModifiedTime);
                    Emit(path);
                    continue;
                }

                Whiteout.RefuseRealFile(path, "The container's changes");
                using var host = view.CheckedHostPath(path, null);
                var st = host.LStat() ?? throw new IOException($"'{ContainerView.Display(path)}' disappeared from the container's upper directory while the layer was written.");
                var (uid, gid) = view.OwnerOf(path, st);
                var xattrs = HostFile.IsNative ? XattrNames.Carried(HostTree.Xattrs(host.Host)) : null;
                switch (st.Type)
                {
                    case EntryType.Directory:
                        tar.AddDirectory(path, st.Mode, uid, gid, st.ModifiedTime, xattrs);
                        Emit(path);
                        break;
                    case EntryType.File:
                        if (st.Inode != 0 && emitted.TryGetValue(st.FileId, out var first))
                        {
                            tar.AddHardLink(path, first, st.Mode, uid, gid, st.ModifiedTime);
                            break;
                        }

                        using (var content = host.OpenFile(LinuxNative.ORdOnly))
                        {
                            tar.AddFile(path, st.Mode, uid, gid, st.ModifiedTime, content, st.Size, xattrs);
                        }

                        if (st.Inode != 0)
                        {
                            emitted[st.FileId] = path;
                        }

                        break;
                    case EntryType.SymbolicLink:
                        tar.AddSymlink(path, new FileInfo(host.Host).LinkTarget ?? string.Empty, uid, gid, st.ModifiedTime, xattrs);
                        break;
                    default:
                        tar.AddDevice(path, st.Type, st.Mode, uid, gid, st.ModifiedTime, st.DevMajor, st.DevMinor, xattrs);
                        break;
                }
            }
        }

        Emit(string.Empty);
    }
}
