using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The item operations a drive asks of a container: new items (files, directories, links), removal,
/// rename, copy and move within the container or in from another file tree, clearing and writing
/// content. It works through the container view's parts; the caller keeps its own side (paths as the
/// user typed them, confirmation, output). <c>display</c> arguments name the item in messages as the
/// user addressed it.
/// </summary>
internal sealed class ContainerItems
{
    public ContainerItems(ContainerView view) => View = view;

    public ContainerView View { get; }

    /// <summary>The item at a path (a final link itself), or null.</summary>
    public LayerFile? Stat(string path) => View.Stat(path);

    /// <summary>True when the path is a directory, or a link that resolves to one.</summary>
    public bool IsDirectory(string path) => View.Stat(path, followLinks: true)?.Type == EntryType.Directory;

    /// <summary>
    /// Makes an item of <paramref name="itemType"/> (File, Directory or Container, SymbolicLink or Symlink,
    /// HardLink; empty is File): a file gets <paramref name="content"/>, a link the target
    /// <paramref name="linkTarget"/>. With <paramref name="force"/> missing parents are made (as on the
    /// FileSystem drive), a file is replaced and a symbolic link re-pointed.
    /// </summary>
    public LayerFile New(string path, string itemType, byte[]? content, string? linkTarget, bool force, string display)
    {
        var kind = itemType.Trim().ToLowerInvariant();
        var existing = View.Stat(path);
        var parent = TarPath.Parent(ContainerPaths.Clean(path));
        if (force && kind is not ("directory" or "container") && parent.Length > 0 && View.Stat(parent, followLinks: true) is null)
        {
            View.CreateDirectory(parent);
        }

        switch (kind)
        {
            case "":
            case "file":
                if (existing is not null && (!force || existing.Type == EntryType.Directory))
                {
                    throw Exists(display);
                }

                using (var output = View.OpenWrite(path))
                {
                    if (content is not null)
                    {
                        output.Write(content);
                    }
                }

                break;
            case "directory":
            case "container":
                if (existing is not null)
                {
                    if (!force || existing.Type != EntryType.Directory)
                    {
                        throw Exists(display);
                    }
                }
                else
                {
                    View.CreateDirectory(path);
                }

                break;
            case "symboliclink":
            case "symlink":
                if (existing is not null)
                {
                    if (!force)
                    {
                        throw Exists(display);
                    }

                    View.Delete(path, recursive: false);
                }

                View.CreateSymlink(path, linkTarget ?? throw new LayerToolsException("LinkTargetMissing", ErrorKind.InvalidArgument, $"A symbolic link needs its target: New-Item {display} -ItemType SymbolicLink -Value <target>.", display));
                break;
            case "hardlink":
                if (existing is not null)
                {
                    throw Exists(display);
                }

                View.CreateHardLink(path, linkTarget ?? throw new LayerToolsException("LinkTargetMissing", ErrorKind.InvalidArgument, $"A hard link needs its target: New-Item {display} -ItemType HardLink -Value <path in the container>.", display));
                break;
            default:
                throw new LayerToolsException("UnknownItemType", ErrorKind.InvalidArgument, $"'{itemType}' is not an item type of the Container: drive; use File, Directory, SymbolicLink or HardLink.", itemType);
        }

        return View.Stat(path)!;
    }

    /// <summary>Deletes an item (an image path gets a whiteout).</summary>
    public void Remove(string path, bool recurse) => View.Delete(path, recurse);

    /// <summary>Where a rename of <paramref name="path"/> to <paramref name="newName"/> lands; an error when the name is not one or is taken.</summary>
    public string RenameTarget(string path, string newName, string display)
    {
        if (string.IsNullOrEmpty(newName) || newName.IndexOfAny(new[] { '/', '\\' }) >= 0 || newName is "." or "..")
        {
            throw new LayerToolsException("InvalidNewName", ErrorKind.InvalidArgument, $"'{newName}' is not a name: Rename-Item takes a new name without separators; Move-Item moves items elsewhere.", newName);
        }

        var destination = TarPath.Join(TarPath.Parent(ContainerPaths.Clean(path)), newName);
        if (View.Stat(destination) is not null)
        {
            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{newName}' already exists next to '{display}' in container '{View.Name}'.", newName);
        }

        return destination;
    }

    /// <summary>Renames an item to <paramref name="destination"/> (from <see cref="RenameTarget"/>) and returns it.</summary>
    public LayerFile Rename(string path, string destination)
    {
        View.Move(path, destination);
        return View.Stat(destination)!;
    }

    /// <summary>
    /// Copies <paramref name="source"/> of <paramref name="from"/> to <paramref name="target"/> in this
    /// container: within the container (mode, owner and mtime kept) when <paramref name="from"/> is this
    /// container in the same store, else across (files streamed, links as links, directories walked with
    /// <paramref name="recurse"/>). Returns the clean path where the copy landed.
    /// </summary>
    public string CopyIn(IFileTree from, string source, string target, bool recurse, bool sameStore, Action<string> warn, Func<bool> stopping)
    {
        var destination = Landing(from, source, target);
        if (from is ContainerFileTree same && same.View.Record.Id == View.Record.Id && sameStore)
        {
            View.Copy(source, target, recurse);
        }
        else
        {
            CopyAcross(from, source, destination, recurse, warn, stopping);
        }

        return destination;
    }

    /// <summary>Moves <paramref name="source"/> of container <paramref name="from"/> to <paramref name="target"/> in this one (a rename within one container); returns the clean path where it landed.</summary>
    public string MoveIn(ContainerView from, string source, string target, bool sameStore, Action<string> warn, Func<bool> stopping)
    {
        var tree = new ContainerFileTree(from);
        var landing = Landing(tree, source, target);
        if (from.Record.Id == View.Record.Id && sameStore)
        {
            View.Move(source, target);
        }
        else
        {
            CopyAcross(tree, source, landing, recurse: true, warn, stopping);
            from.Delete(source, recursive: true);
        }

        return landing;
    }

    /// <summary>Empties a file (an image file is copied up, empty).</summary>
    public void Clear(string path) => View.OpenWrite(path, append: false).Dispose();

    /// <summary>Opens a file for writing (see <see cref="ContainerView.OpenWrite"/>).</summary>
    public Stream OpenWrite(string path, bool append) => View.OpenWrite(path, append);

    /// <summary>Where a copy or move lands: into the destination when it is a directory, else at it.</summary>
    private string Landing(IFileTree from, string source, string target)
    {
        var isDirectory = View.Stat(target, followLinks: true)?.Type == EntryType.Directory;
        var sourceName = TarPath.Name(ContainerPaths.Clean(source));
        var sourceIsDirectory = from.Item(source)?.Type == EntryType.Directory;
        return isDirectory && !(sourceIsDirectory && View.Stat(target) is null)
            ? TarPath.Join(View.Resolve(target, followLast: true), sourceName)
            : ContainerPaths.Clean(target);
    }

    /// <summary>Copies from another tree (an image, another container) into this container: files streamed, links as links, directories walked with <paramref name="recurse"/>.</summary>
    private void CopyAcross(IFileTree from, string source, string destination, bool recurse, Action<string> warn, Func<bool> stopping)
    {
        var item = from.Item(source) ?? throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"'/{source}' is not in {from.Label}.", source);
        switch (item.Type)
        {
            case EntryType.File:
            case EntryType.HardLink:
                using (var input = from.OpenRead(source))
                {
                    View.WriteFile(destination, input, append: false, mode: item.Mode & 0xFFF);
                }

                break;
            case EntryType.SymbolicLink:
                if (View.Stat(destination) is not null)
                {
                    View.Delete(destination);
                }

                View.CreateSymlink(destination, item.LinkTarget ?? string.Empty);
                break;
            case EntryType.Directory:
                if (View.Stat(destination, followLinks: true)?.Type != EntryType.Directory)
                {
                    View.CreateDirectory(destination, item.Mode & 0xFFF);
                }

                if (recurse)
                {
                    foreach (var child in from.Children(source))
                    {
                        if (stopping())
                        {
                            return;
                        }

                        CopyAcross(from, TarPath.Join(source, child.Name), TarPath.Join(destination, child.Name), recurse, warn, stopping);
                    }
                }

                break;
            default:
                warn($"'{item.Path}' of {from.Label} is a {item.Type}; only files, links and directories are copied between images and containers.");
                break;
        }
    }

    private static LayerToolsException Exists(string display) =>
        new("ItemExists", ErrorKind.ResourceExists, $"'{display}' already exists; use -Force to replace a file.", display);
}
