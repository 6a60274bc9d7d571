using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// docker cp, both ways. Into a container: host files, directories and symbolic links (never followed)
/// become the container's, owned by root, with their mode and mtime. Out of a container: the
/// container's view (links resolved inside its root, never on the host) written under a host folder;
/// links are copied as links, and a host link already in the way is replaced, never followed.
/// </summary>
internal static class ContainerCopy
{
    /// <summary>Copies a host path into the container; returns the container path written.</summary>
    public static string ToContainer(ContainerView view, string hostPath, string containerPath, bool recurse)
    {
        var source = Path.GetFullPath(hostPath);
        var stat = HostFile.LStat(source) ?? throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"No file or folder '{hostPath}' on this machine.", hostPath);
        var destination = containerPath;
        if (view.Stat(containerPath, followLinks: true) is { Type: EntryType.Directory })
        {
            destination = containerPath.TrimEnd('/', '\\') + "/" + Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar));
        }

        if (stat.Type == EntryType.Directory && !recurse)
        {
            throw new LayerToolsException("DirectoryNeedsRecurse", ErrorKind.InvalidArgument, $"'{hostPath}' is a folder; copy it recursively.", hostPath);
        }

        // All or nothing: every file's data is copied into a folder beside upper/ first (where a full
        // disk or an unreadable file stops the copy before the container changes), then moved in by
        // rename (ContainerCopyIn), which undoes what it did when a step fails. The folder belongs to a
        // lease, so a killed copy leaves nothing behind after the next command.
        using var lease = view.Store.AcquireLease();
        var staging = lease.OwnedPathBeside(Path.Combine(view.Directory, "copy"));
        Directory.CreateDirectory(staging);
        try
        {
            var plan = new List<ContainerCopyStep>();
            Stage(view, source, stat, destination, staging, plan);
            new ContainerCopyIn(view).Apply(plan);
        }
        finally
        {
            Store.LeaseSweeper.RemoveScratch(staging, dead: false);
        }

        return ContainerView.Display(view.Resolve(destination, followLast: false));
    }

    /// <summary>Copies a container path out to the host; returns the host path written.</summary>
    public static string FromContainer(ContainerView view, string containerPath, string hostPath, bool recurse)
    {
        var item = view.Stat(containerPath) ?? throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"Container '{view.Name}' has no '{containerPath}'.", containerPath);
        var destination = Path.GetFullPath(hostPath);
        if (HostFile.LStat(destination) is { Type: EntryType.Directory })
        {
            destination = Path.Combine(destination, item.Name == "/" ? view.Name : item.Name);
        }
        else if (HostFile.LStat(Path.GetDirectoryName(destination)!) is not { Type: EntryType.Directory })
        {
            throw new LayerToolsException("ParentNotFound", ErrorKind.ObjectNotFound, $"The folder that should hold '{hostPath}' does not exist.", hostPath);
        }

        if (item.Type == EntryType.Directory && !recurse)
        {
            throw new LayerToolsException("DirectoryNeedsRecurse", ErrorKind.InvalidArgument, $"'{containerPath}' is a directory; copy it recursively.", containerPath);
        }

        CopyOut(view, item, destination);
        return destination;
    }

    /// <summary>Walks the host tree and copies each file's data into <paramref name="staging"/>; nothing in the container changes.</summary>
    private static void Stage(ContainerView view, string source, HostStat stat, string destination, string staging, List<ContainerCopyStep> plan)
    {
        switch (stat.Type)
        {
            case EntryType.Directory:
                plan.Add(new ContainerCopyStep(source, stat, destination, null, null));
                foreach (var entry in Directory.EnumerateFileSystemEntries(source).Order(StringComparer.Ordinal))
                {
                    if (HostFile.LStat(entry) is { } child)
                    {
                        Stage(view, entry, child, destination.TrimEnd('/') + "/" + Path.GetFileName(entry), staging, plan);
                    }
                }

                break;
            case EntryType.File:
                var staged = Path.Combine(staging, plan.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Guard(view, source, destination, () =>
                {
                    using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 81920);
                    using var output = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
                    input.CopyTo(output, 81920);
                });
                plan.Add(new ContainerCopyStep(source, stat, destination, staged, null));
                break;
            case EntryType.SymbolicLink:
                plan.Add(new ContainerCopyStep(source, stat, destination, null, new FileInfo(source).LinkTarget ?? string.Empty));
                break;
            default:
                throw new LayerToolsException("CannotCopyDevice", ErrorKind.NotImplemented, $"'{source}' is a {stat.Type}; devices and FIFOs are not copied.", source);
        }
    }

    /// <summary>Runs one copy step; a failure of the file system (a full disk) is reported naming the file.</summary>
    public static void Guard(ContainerView view, string source, string destination, Action step)
    {
        try
        {
            step();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LayerToolsException("CopyFailed", ErrorKind.WriteError, $"Copying '{source}' to '{ContainerView.Display(ContainerView.Clean(destination))}' in container '{view.Name}' failed: {ex.Message} The container was left as it was before the copy.", source, ex);
        }
    }

    private static void CopyOut(ContainerView view, LayerFile item, string destination)
    {
        if (HostFile.LStat(destination) is { } existing && (existing.Type != EntryType.Directory || item.Type != EntryType.Directory))
        {
            // Whatever is in the way (a link above all) is replaced, never written through.
            if (existing.Type == EntryType.Directory)
            {
                Directory.Delete(destination, recursive: true);
            }
            else
            {
                File.Delete(destination);
            }
        }

        switch (item.Type)
        {
            case EntryType.Directory:
                Directory.CreateDirectory(destination);
                foreach (var child in view.List(item.Path))
                {
                    CopyOut(view, child, Path.Combine(destination, child.Name));
                }

                SetAttributes(destination, item, isDirectory: true);
                break;
            case EntryType.File:
            case EntryType.HardLink:
                using (var input = view.OpenRead(item.Path))
                using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920))
                {
                    input.CopyTo(output, 81920);
                }

                SetAttributes(destination, item, isDirectory: false);
                break;
            case EntryType.SymbolicLink:
                File.CreateSymbolicLink(destination, item.LinkTarget ?? string.Empty);
                break;
            default:
                // Devices and FIFOs are not made on the host, as docker cp run by a user would not.
                break;
        }
    }

    private static void SetAttributes(string path, LayerFile item, bool isDirectory)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)(item.Mode & 0x1FF));
        }

        if (isDirectory)
        {
            Directory.SetLastWriteTimeUtc(path, item.ModifiedTime.UtcDateTime);
        }
        else
        {
            File.SetLastWriteTimeUtc(path, item.ModifiedTime.UtcDateTime);
        }
    }
}
