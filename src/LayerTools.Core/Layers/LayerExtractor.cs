using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;
using Microsoft.Win32.SafeHandles;
using static LayerTools.Core.HostFs.LinuxNative;

namespace LayerTools.Core.Layers;

/// <summary>
/// Writes a layer onto a real directory, safely (formats.md, Security): every name is normalized,
/// every path resolved inside the root (<see cref="SafeRoot"/>), hard links only to paths inside
/// it, owner/mode/times set on the exact inode created and never through a final symbolic link.
/// Two forms:
/// <list type="bullet">
/// <item><see cref="Apply"/>: Docker's way onto a root file system: a whiteout deletes the lower
/// path, an opaque directory empties itself of what lower layers put there, a directory over a
/// directory keeps its children and takes the new attributes, anything else replaces the path.</item>
/// <item><see cref="ExtractOverlay"/>: one stored layer into its own empty directory in overlayfs'
/// form (whiteouts as character devices 0/0, opaque directories with trusted.overlay.opaque=y),
/// so that a stack of such directories mounts as overlay lower dirs. Paths come from the layer's
/// entry index, already resolved through the union of the layers below.</item>
/// </list>
/// File data is streamed; nothing is buffered whole. Linux only.
/// </summary>
internal static class LayerExtractor
{
    public const string OverlayOpaqueXattr = "trusted.overlay.opaque";

    /// <summary>Applies an uncompressed layer tar onto <paramref name="rootDirectory"/> as Docker does.</summary>
    public static void Apply(Stream tar, string rootDirectory, string source, IngestLimits? limits = null, CancellationToken cancellationToken = default)
    {
        RequireLinux();
        limits ??= IngestLimits.Default;
        using var root = SafeRoot.Open(rootDirectory);
        var state = new ExtractionState(root, source, overlayForm: false);
        TarHeaderReader? reader = null;
        try
        {
            reader = new TarHeaderReader(tar, source, limits);
            var count = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = reader.Next();
                if (entry is null)
                {
                    break;
                }

                if (++count > limits.MaxEntries)
                {
                    throw new LayerToolsException("TooManyEntries", ErrorKind.LimitsExceeded, $"'{source}': the layer has more than {limits.MaxEntries} entries (entry '{entry.Name}' is one too many).", source);
                }

                ApplyEntry(state, entry);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"'{source}' is not a readable tar at {TarHeaderReader.LocationOf(reader)}: {ex.Message}", source, ex);
        }

        state.FinishDirectoryTimes();
    }

    /// <summary>
    /// Extracts a stored layer (its uncompressed blob and entry index) into <paramref name="layerDirectory"/>
    /// in overlay form. <paramref name="lower"/> is the union of the layers below (attributes of the
    /// directories this layer implies); <paramref name="lowerFile"/> finds, for a hard link whose
    /// target lives in a lower layer, that layer's extracted directory (the data is copied, since
    /// overlay cannot link across layers). The blob's digest is checked against the DiffID.
    /// </summary>
    public static void ExtractOverlay(Stream blob, LayerIndex index, string layerDirectory, ILowerView? lower, Func<string, string?>? lowerFile, CancellationToken cancellationToken = default)
    {
        RequireLinux();
        var byOffset = new Dictionary<long, LayerEntry>();
        foreach (var e in index.Entries)
        {
            byOffset[e.Offset] = e;
        }

        var source = index.DiffId;
        using var root = SafeRoot.Open(layerDirectory);
        var state = new ExtractionState(root, source, overlayForm: true) { Lower = lower, LowerFile = lowerFile };
        var rootFd = root.OpenDirectory(string.Empty);
        try
        {
            DirectoryEntryAttributes.Of(lower?.Lookup(string.Empty) ?? new LayerEntry { Type = EntryType.Directory, Mode = 0x1ED }).ApplyTo(rootFd);
        }
        finally
        {
            Close(rootFd);
        }

        using var counting = new HashingStream(blob, leaveOpen: true);
        var matched = 0;
        try
        {
            var reader = new TarHeaderReader(counting, source);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tarEntry = reader.Next();
                if (tarEntry is null)
                {
                    break;
                }

                if (byOffset.TryGetValue(tarEntry.DataOffset, out var entry))
                {
                    ExtractIndexed(state, tarEntry, entry);
                    matched++;
                }
            }

            counting.Drain();
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, $"Layer {source} is not a readable tar: {ex.Message}", source, ex);
        }

        if (counting.Digest != index.DiffId)
        {
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"The stored blob of layer {index.DiffId} has the digest {counting.Digest}: the store is damaged; run Test-LayerStore.", index.DiffId);
        }

        if (matched != byOffset.Count)
        {
            throw new LayerToolsException("IndexMismatch", ErrorKind.InvalidData, $"The entry index of layer {index.DiffId} does not match its blob ({matched} of {byOffset.Count} entries found): the store is damaged; run Test-LayerStore.", index.DiffId);
        }

        state.FinishDirectoryTimes();
    }

    public static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LayerToolsException("RunNeedsLinux", ErrorKind.NotImplemented, "Extracting layers into a real file system and running commands in them needs Linux (namespaces and overlayfs); this host is not Linux.");
        }
    }

    private static void ApplyEntry(ExtractionState state, TarEntryHeader tarEntry)
    {
        var path = TarPath.Normalize(tarEntry.Name, state.Source);
        state.Count++;
        var name = TarPath.Name(path);
        if (path.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal) && name != Whiteout.Opaque)
        {
            return;
        }

        if (name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
        {
            var parentPath = TarPath.Parent(path);
            if (name == Whiteout.Opaque)
            {
                var dir = state.Root.TryOpenDirectory(parentPath);
                if (dir >= 0)
                {
                    try
                    {
                        foreach (var child in SafeRoot.ListNames(dir))
                        {
                            var st = Stat(dir, child, AtSymlinkNoFollow, out _);
                            if (st is not null && !state.Created.Contains(st.Inode))
                            {
                                SafeRoot.RemoveAt(dir, child);
                            }
                        }
                    }
                    finally
                    {
                        Close(dir);
                    }
                }

                return;
            }

            if (name.StartsWith(Whiteout.MetaPrefix, StringComparison.Ordinal))
            {
                return;
            }

            var hidden = name[Whiteout.Prefix.Length..];
            if (hidden.Length == 0 || hidden == "." || hidden == "..")
            {
                throw new LayerToolsException("InvalidWhiteout", ErrorKind.InvalidData, $"'{state.Source}': entry '{tarEntry.Name}' is not a valid whiteout (it names no file).", tarEntry.Name);
            }

            var parent = state.Root.TryOpenDirectory(parentPath);
            if (parent >= 0)
            {
                try
                {
                    SafeRoot.RemoveAt(parent, hidden);
                }
                finally
                {
                    Close(parent);
                }
            }

            return;
        }

        var type = tarEntry.EntryType
            ?? throw new LayerToolsException("UnsupportedTarEntry", ErrorKind.InvalidData, $"'{state.Source}': entry '{tarEntry.Name}' has tar type '{tarEntry.TypeFlag}', which a layer cannot hold.", tarEntry.Name);
        if (path.Length == 0)
        {
            if (type != EntryType.Directory)
            {
                throw new LayerToolsException("RootTypeChange", ErrorKind.SecurityError, $"'{state.Source}': entry '{tarEntry.Name}' would replace the root directory with a {type}.", tarEntry.Name);
            }
        }

        var entry = new LayerEntry
        {
            Path = path,
            Type = type,
            Mode = tarEntry.Mode & 0xFFF,
            Uid = tarEntry.Uid,
            Gid = tarEntry.Gid,
            ModifiedTime = tarEntry.ModifiedTime,
            LinkTarget = type switch
            {
                EntryType.SymbolicLink => tarEntry.LinkName,
                EntryType.HardLink => TarPath.Normalize(tarEntry.LinkName, state.Source),
                _ => null,
            },
        };
        if (type is EntryType.CharDevice or EntryType.BlockDevice)
        {
            entry.DevMajor = tarEntry.DevMajor;
            entry.DevMinor = tarEntry.DevMinor;
        }

        Materialize(state, entry, tarEntry, _ => DirectoryAttributes.Default);
    }

    private static void ExtractIndexed(ExtractionState state, TarEntryHeader tarEntry, LayerEntry entry)
    {
        state.Count++;
        Func<string, DirectoryAttributes> implied = p =>
        {
            var attributes = DirectoryEntryAttributes.Of(state.Lower?.Lookup(p));
            state.DirectoryTimes.Add((p, attributes.ModifiedTime));
            return attributes;
        };

        switch (entry.Type)
        {
            case EntryType.Whiteout:
                {
                    var parent = state.Root.OpenDirectory(TarPath.Parent(entry.Path), implied, state.Source);
                    try
                    {
                        var name = TarPath.Name(entry.Path);
                        SafeRoot.RemoveAt(parent, name);
                        Fail(Mknodat(parent, name, SIfChr, 0), state, entry.Path, "create the overlay whiteout");
                    }
                    finally
                    {
                        Close(parent);
                    }

                    return;
                }

            case EntryType.OpaqueWhiteout:
                {
                    var dir = state.Root.OpenDirectory(entry.Path, implied, state.Source);
                    try
                    {
                        Fail(Fsetxattr(dir, OverlayOpaqueXattr, "y"u8.ToArray()), state, entry.Path, "mark the directory opaque");
                    }
                    finally
                    {
                        Close(dir);
                    }

                    return;
                }
        }

        if (entry.Path.Length == 0)
        {
            var rootFd = state.Root.OpenDirectory(string.Empty);
            try
            {
                new DirectoryAttributes(entry.Mode, entry.Uid, entry.Gid, 0).ApplyTo(rootFd);
                SetXattrs(state, rootFd, entry.Path, tarEntry);
            }
            finally
            {
                Close(rootFd);
            }

            state.DirectoryTimes.Add((string.Empty, entry.ModifiedTime));
            return;
        }

        Materialize(state, entry, tarEntry, implied);
    }

    /// <summary>Creates one non-whiteout entry at its path inside the root.</summary>
    private static void Materialize(ExtractionState state, LayerEntry entry, TarEntryHeader tarEntry, Func<string, DirectoryAttributes> implied)
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
    private static void SetXattrs(ExtractionState state, int fd, string path, TarEntryHeader? tarEntry, string? name = null)
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

    private static void Fail(int rc, ExtractionState state, string path, string what)
    {
        if (rc < 0)
        {
            throw new LayerToolsException("ExtractFailed", ErrorKind.WriteError, $"'{state.Source}': cannot {what} '/{path}' in '{state.Root.HostPath}': {Describe(-rc)}.", path);
        }
    }
}
