using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;
using Microsoft.Win32.SafeHandles;
using static LayerTools.Core.HostFs.LinuxNative;

namespace LayerTools.Core.Layers;

/// <summary>
/// Creates one entry of a layer on disk for <see cref="LayerExtractor"/>: a directory, file, link or
/// node made at (parent directory descriptor, name), never through a final symbolic link, with its
/// owner (as root), mode, extended attributes and times set on the exact inode made; a hard link only
/// to a file inside the root (or, in overlay form, a copy of one in a lower layer).
/// </summary>
internal static class EntryMaterializer
{
    /// <summary>Creates one non-whiteout entry at its path inside the root.</summary>
    public static void Materialize(ExtractionState state, LayerEntry entry, TarEntryHeader tarEntry, Func<string, DirectoryAttributes> implied)
    {
        if (entry.Path.Length == 0)
        {
            var rootFd = state.Root.OpenDirectory(string.Empty);
            try
            {
                new DirectoryAttributes(entry.Mode, entry.Uid, entry.Gid, 0).ApplyTo(rootFd);
            }
            finally
            {
                Close(rootFd);
            }

            state.DirectoryTimes.Add((string.Empty, entry.ModifiedTime));
            return;
        }

        var parent = state.Root.OpenDirectory(TarPath.Parent(entry.Path), implied, state.Source);
        try
        {
            var name = TarPath.Name(entry.Path);
            var existing = Stat(parent, name, AtSymlinkNoFollow, out _);
            if (existing is not null && !(existing.IsDirectory && entry.Type == EntryType.Directory))
            {
                SafeRoot.RemoveAt(parent, name);
            }

            switch (entry.Type)
            {
                case EntryType.Directory:
                    MakeDirectory(state, parent, name, entry, tarEntry, existing is { IsDirectory: true });
                    break;
                case EntryType.File:
                    WriteFile(state, parent, name, entry, tarEntry.Data, tarEntry);
                    break;
                case EntryType.SymbolicLink:
                    Fail(Symlinkat(entry.LinkTarget ?? string.Empty, parent, name), state, entry.Path, "create the symbolic link");
                    if (state.IsRoot)
                    {
                        Fchownat(parent, name, entry.Uid, entry.Gid, AtSymlinkNoFollow);
                    }

                    // No chmod: Linux has no lchmod, and a link's mode means nothing.
                    SetXattrs(state, parent, entry.Path, tarEntry, name);
                    Utimensat(parent, name, entry.ModifiedTime, 0, AtSymlinkNoFollow);
                    break;
                case EntryType.HardLink:
                    MakeHardLink(state, parent, name, entry, tarEntry);
                    break;
                case EntryType.CharDevice:
                case EntryType.BlockDevice:
                case EntryType.Fifo:
                    MakeNode(state, parent, name, entry, tarEntry);
                    break;
            }

            var made = Stat(parent, name, AtSymlinkNoFollow, out _);
            if (made is not null)
            {
                state.Created.Add(made.Inode);
            }
        }
        finally
        {
            Close(parent);
        }
    }

    private static void MakeDirectory(ExtractionState state, int parent, string name, LayerEntry entry, TarEntryHeader tarEntry, bool exists)
    {
        if (!exists)
        {
            var rc = Mkdirat(parent, name, 0x1C0);
            if (rc != 0 && rc != -EExist)
            {
                Fail(rc, state, entry.Path, "create the directory");
            }
        }

        var fd = Openat(parent, name, ORdOnly | ODirectory | ONoFollow);
        Fail(fd < 0 ? fd : 0, state, entry.Path, "open the directory");
        try
        {
            new DirectoryAttributes(entry.Mode, entry.Uid, entry.Gid, 0).ApplyTo(fd);
            SetXattrs(state, fd, entry.Path, tarEntry);
        }
        finally
        {
            Close(fd);
        }

        state.DirectoryTimes.Add((entry.Path, entry.ModifiedTime));
    }

    private static void WriteFile(ExtractionState state, int parent, string name, LayerEntry entry, Stream? data, TarEntryHeader? tarEntry)
    {
        var fd = Openat(parent, name, OWrOnly | OCreat | OExcl | ONoFollow, 0x180);
        Fail(fd < 0 ? fd : 0, state, entry.Path, "create the file");
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        using var output = new FileStream(handle, FileAccess.Write, 1);
        data?.CopyTo(output, 81920);
        output.Flush();

        if (state.IsRoot)
        {
            Fail(Fchown(fd, entry.Uid, entry.Gid), state, entry.Path, "set the owner");
        }

        Fail(Fchmod(fd, entry.Mode & 0xFFF), state, entry.Path, "set the mode");
        if (tarEntry is not null)
        {
            SetXattrs(state, fd, entry.Path, tarEntry);
        }

        Futimens(fd, entry.ModifiedTime, 0);
    }

    private static void MakeHardLink(ExtractionState state, int parent, string name, LayerEntry entry, TarEntryHeader tarEntry)
    {
        var target = entry.LinkTarget ?? string.Empty;
        var targetDir = target.Length == 0 ? -ENoEnt : state.Root.TryOpenDirectory(TarPath.Parent(target));
        var rc = -ENoEnt;
        if (targetDir >= 0)
        {
            var targetStat = Stat(targetDir, TarPath.Name(target), AtSymlinkNoFollow, out _);
            rc = targetStat is null ? -ENoEnt : targetStat.IsDirectory ? -EPerm : Linkat(targetDir, TarPath.Name(target), parent, name);
            Close(targetDir);
        }

        if (rc == 0)
        {
            return;
        }

        if (rc == -ENoEnt && state.OverlayForm && state.LowerFile?.Invoke(target) is { } lowerDir)
        {
            // The target lives in a lower layer: overlay cannot link across layers, so copy it.
            using var lowerRoot = SafeRoot.Open(lowerDir);
            using var input = lowerRoot.TryOpenRead(target);
            if (input is not null)
            {
                var attributes = state.Lower?.Lookup(target) ?? entry;
                var copy = entry.Clone();
                copy.Mode = attributes.Mode;
                copy.Uid = attributes.Uid;
                copy.Gid = attributes.Gid;
                copy.ModifiedTime = attributes.ModifiedTime;
                WriteFile(state, parent, name, copy, input, tarEntry);
                return;
            }
        }

        throw new LayerToolsException("HardLinkOutsideLayers", ErrorKind.SecurityError, $"'{state.Source}': hard link '{entry.Path}' points at '{tarEntry.LinkName}', which is not a file inside the root ({Describe(-rc)}).", entry.Path);
    }

    private static void MakeNode(ExtractionState state, int parent, string name, LayerEntry entry, TarEntryHeader tarEntry)
    {
        var format = entry.Type switch
        {
            EntryType.CharDevice => SIfChr,
            EntryType.BlockDevice => SIfBlk,
            _ => SIfIfo,
        };
        if (entry.Type != EntryType.Fifo && !state.IsRoot)
        {
            return; // Devices need privilege; Docker skips them when it has none.
        }

        var dev = entry.Type == EntryType.Fifo ? 0UL : MakeDev(entry.DevMajor, entry.DevMinor);
        Fail(Mknodat(parent, name, format | (uint)(entry.Mode & 0xFFF), dev), state, entry.Path, "create the device node");
        var fd = Openat(parent, name, OPath | ONoFollow);
        Fail(fd < 0 ? fd : 0, state, entry.Path, "open the device node");
        try
        {
            var proc = SafeRoot.ProcFd(fd);
            if (state.IsRoot)
            {
                Fchownat(AtFdCwd, proc, entry.Uid, entry.Gid, 0);
            }

            Fchmodat(AtFdCwd, proc, entry.Mode & 0xFFF);
            SetXattrs(state, parent, entry.Path, tarEntry, name);
            Utimensat(AtFdCwd, proc, entry.ModifiedTime, 0, 0);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>
    /// Sets the entry's extended attributes (raw bytes) on an open descriptor, or, with
    /// <paramref name="name"/>, on that name in the directory <paramref name="fd"/> without following
    /// it (a symbolic link or a device node, which cannot be opened for writing).
    /// Overlay's own attributes from an image are never honoured; security.* only as root.
    /// As Docker does, a file system or a privilege that does not allow one is skipped; any other failure is an error.
    /// </summary>
    public static void SetXattrs(ExtractionState state, int fd, string path, TarEntryHeader? tarEntry, string? name = null)
    {
        if (tarEntry?.Xattrs is not { } xattrs)
        {
            return;
        }

        foreach (var (key, value) in xattrs)
        {
            if (XattrNames.IsOverlays(key)
                || (key.StartsWith("security.", StringComparison.Ordinal) && !state.IsRoot))
            {
                continue;
            }

            var rc = name is null ? Fsetxattr(fd, key, value) : Lsetxattr(SafeRoot.ProcFd(fd) + "/" + name, key, value);
            if (rc < 0 && -rc is not (EPerm or EOpNotSupp))
            {
                Fail(rc, state, path, $"set the extended attribute '{key}' on");
            }
        }
    }

    /// <summary>Throws ExtractFailed naming the path when <paramref name="rc"/> is -errno.</summary>
    public static void Fail(int rc, ExtractionState state, string path, string what)
    {
        if (rc < 0)
        {
            throw new LayerToolsException("ExtractFailed", ErrorKind.WriteError, $"'{state.Source}': cannot {what} '/{path}' in '{state.Root.HostPath}': {Describe(-rc)}.", path);
        }
    }
}
