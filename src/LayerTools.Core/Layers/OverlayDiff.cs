using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Turns an overlayfs upper directory (after the command that wrote it has ended and the overlay
/// is unmounted) into an OCI layer tar: overlay's whiteouts (character devices 0/0) become
/// <c>.wh.&lt;name&gt;</c> entries, opaque directories (trusted.overlay.opaque=y or
/// user.overlay.opaque=y) get a <c>.wh..wh..opq</c> entry, overlay's own extended attributes are
/// dropped, and every other path is written as it is. overlayfs copies a directory up with its
/// lower mode and owner before it changes anything beneath it, so each change arrives with its
/// parent directories (formats.md: a layer that adds /a/b/f carries /a/ and /a/b/).
/// </summary>
internal static class OverlayDiff
{
    public static void Write(string upperDirectory, LayerTarWriter writer, CancellationToken cancellationToken = default) =>
        ChangeTarWriter.Write(Collect(upperDirectory), writer, cancellationToken);

    public static List<HostChange> Collect(string upperDirectory)
    {
        var records = new List<HostChange>();
        HostTree.Walk(upperDirectory, (path, stat, host) =>
        {
            if (stat.Format == LinuxNative.SIfSock)
            {
                return false; // sockets cannot be stored in a layer; Docker skips them too
            }

            if (stat.IsOverlayWhiteout)
            {
                records.Add(new HostChange { Path = path, Type = EntryType.Whiteout, Stat = stat });
                return false;
            }

            var xattrs = HostTree.Xattrs(host);
            var opaque = IsYes(xattrs, "trusted.overlay.opaque") || IsYes(xattrs, "user.overlay.opaque");
            records.Add(FromStat(path, stat, host, xattrs));
            if (opaque && stat.IsDirectory)
            {
                records.Add(new HostChange { Path = path, Type = EntryType.OpaqueWhiteout, Stat = stat });
            }

            return true;
        });
        return records;
    }

    /// <summary>A change record for a real path; overlay's own xattrs are left out.</summary>
    public static HostChange FromStat(string path, FileStat stat, string host, SortedDictionary<string, byte[]>? xattrs)
    {
        var type = stat.Format switch
        {
            LinuxNative.SIfDir => EntryType.Directory,
            LinuxNative.SIfLnk => EntryType.SymbolicLink,
            LinuxNative.SIfChr => EntryType.CharDevice,
            LinuxNative.SIfBlk => EntryType.BlockDevice,
            LinuxNative.SIfIfo => EntryType.Fifo,
            LinuxNative.SIfReg => EntryType.File,
            _ => throw new LayerToolsException("UnsupportedFileType", ErrorKind.InvalidData, $"'{host}' is a socket or another kind of file a layer cannot hold.", host),
        };
        string? link = null;
        if (type == EntryType.SymbolicLink)
        {
            link = LinuxNative.Readlinkat(LinuxNative.AtFdCwd, host, out _) ?? string.Empty;
        }

        return new HostChange
        {
            Path = path,
            Type = type,
            Stat = stat,
            HostPath = type == EntryType.File ? host : null,
            LinkTarget = link,
            Xattrs = XattrNames.Carried(xattrs),
        };
    }

    private static bool IsYes(SortedDictionary<string, byte[]> xattrs, string name) =>
        xattrs.TryGetValue(name, out var v) && v.Length > 0 && v[0] == (byte)'y';
}
