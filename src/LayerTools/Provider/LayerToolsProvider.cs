using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;
using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Provider;

/// <summary>
/// The LayerTools provider: the <c>Image:</c> drive (the images of the store, each a read-only union
/// view of its layers) and the <c>Container:</c> drive (the containers, each a read-write
/// copy-on-write view). Items are the module's own objects: LayeredImage and ContainerLayer at the
/// top, LayerFile below. Paths are described in <see cref="DrivePath"/> and <see cref="ImagePathName"/>;
/// the core does every read and write, this class only maps the provider calls onto it.
/// </summary>
[CmdletProvider(ProviderName, ProviderCapabilities.Filter | ProviderCapabilities.ShouldProcess)]
[OutputType(typeof(LayerFile), typeof(Core.Images.LayeredImage), typeof(ContainerLayer), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
[OutputType(typeof(LayerFile), typeof(Core.Images.LayeredImage), typeof(ContainerLayer), ProviderCmdlet = ProviderCmdlet.GetItem)]
public sealed class LayerToolsProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    public const string ProviderName = "LayerTools";

    /// <summary>The type name file items carry first, for their table view (by directory, names only).</summary>
    public const string DriveFileTypeName = "LayerTools.Core.Layers.LayerFile#Drive";

    // ------------------------------------------------------------------ drives

    protected override Collection<PSDriveInfo> InitializeDefaultDrives() => new()
    {
        new PSDriveInfo("Image", ProviderInfo, DrivePath.ImagesRoot, "LayerTools images (read-only union views of their layers)", null),
        new PSDriveInfo("Container", ProviderInfo, DrivePath.ContainersRoot, "LayerTools containers (read-write copy-on-write views)", null),
    };

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is null)
        {
            return null;
        }

        var root = drive.Root.Replace('\\', '/').TrimEnd('/');
        var name = root[(root.LastIndexOf('/') + 1)..];
        if (root != DrivePath.ImagesRoot && root != DrivePath.ContainersRoot)
        {
            var store = root.Length > name.Length ? root[..^(name.Length + 1)] : string.Empty;
            if ((name != DrivePath.ImagesRoot && name != DrivePath.ContainersRoot) || store.Length == 0)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"'{drive.Root}' is not a LayerTools drive root. Use 'images' or 'containers' for the default store, or '<store path>/images' or '<store path>/containers' for another store."),
                    "InvalidDriveRoot",
                    ErrorCategory.InvalidArgument,
                    drive.Root));
                return null;
            }

            var full = System.IO.Path.GetFullPath(store);
            DrivePath.Known[full] = true;
            root = System.IO.Path.Join(full, name);
        }

        return new PSDriveInfo(drive.Name, drive.Provider, root, drive.Description, drive.Credential);
    }

    // ------------------------------------------------------------------ items

    protected override bool IsValidPath(string path) => !string.IsNullOrEmpty(path) && !path.Contains('\0', StringComparison.Ordinal);

    protected override bool ItemExists(string path)
    {
        try
        {
            var p = DrivePath.Parse(path);
            if (p is null)
            {
                return false;
            }

            if (p.IsRoot)
            {
                return true;
            }

            var tree = TreeOf(p);
            return tree is not null && (p.IsTop || tree.Item(p.Inner) is not null);
        }
        catch (LayerToolsException)
        {
            return false;
        }
    }

    protected override bool IsItemContainer(string path)
    {
        try
        {
            var p = DrivePath.Parse(path);
            if (p is null)
            {
                return false;
            }

            if (p.IsRoot)
            {
                return true;
            }

            var tree = TreeOf(p);
            return tree is not null && (p.IsTop || tree.IsDirectory(p.Inner));
        }
        catch (LayerToolsException)
        {
            return false;
        }
    }

    protected override void GetItem(string path) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.IsRoot)
        {
            var root = new PSObject();
            root.Properties.Add(new PSNoteProperty("Kind", p.Kind.ToString()));
            root.Properties.Add(new PSNoteProperty("StorePath", System.IO.Path.GetFullPath(p.StorePath ?? Core.Store.StorePaths.Default())));
            WriteItemObject(root, path, true);
            return;
        }

        if (p.IsTop)
        {
            WriteItemObject(TopModel(p), path, true);
            return;
        }

        var tree = RequireTree(p);
        var item = tree.Item(p.Inner) ?? throw NotFound(p);
        WriteFile(item, path, IsContainerItem(tree, p.Inner, item));
    });

    protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

    protected override void GetChildItems(string path, bool recurse, uint depth) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.IsRoot)
        {
            foreach (var name in TopNames(p))
            {
                var childPath = MakePath(path, name);
                if (Matches(name))
                {
                    WriteItemObject(TopModel(Parse(childPath)), childPath, true);
                }

                if (recurse && depth > 0)
                {
                    var top = Parse(childPath);
                    ListTree(RequireTree(top), string.Empty, childPath, recurse, depth - 1);
                }
            }

            return;
        }

        var tree = RequireTree(p);
        if (!p.IsTop && !tree.IsDirectory(p.Inner))
        {
            var item = tree.Item(p.Inner) ?? throw NotFound(p);
            WriteFile(item, path, false);
            return;
        }

        ListTree(tree, p.Inner, path, recurse, depth);
    });

    protected override void GetChildNames(string path, ReturnContainers returnContainers) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.IsRoot)
        {
            foreach (var name in TopNames(p))
            {
                if (returnContainers == ReturnContainers.ReturnAllContainers || Matches(name))
                {
                    WriteItemObject(name, MakePath(path, name), true);
                }
            }

            return;
        }

        var tree = RequireTree(p);
        foreach (var child in tree.Children(p.Inner))
        {
            if (Stopping)
            {
                return;
            }

            var isContainer = IsContainerItem(tree, Join(p.Inner, child.Name), child);
            if ((isContainer && returnContainers == ReturnContainers.ReturnAllContainers) || Matches(child.Name))
            {
                WriteItemObject(child.Name, MakePath(path, child.Name), isContainer);
            }
        }
    });

    protected override bool HasChildItems(string path)
    {
        try
        {
            var p = Parse(path);
            if (p.IsRoot)
            {
                return TopNames(p).Any();
            }

            var tree = TreeOf(p);
            return tree is not null && tree.IsDirectory(p.Inner) && tree.Children(p.Inner).Count > 0;
        }
        catch (LayerToolsException)
        {
            return false;
        }
    }

    // ------------------------------------------------------------------ changes (Container: only)

    protected override void NewItem(string path, string itemTypeName, object newItemValue) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.Kind == DriveKind.Container && p.IsTop && TreeOf(p) is null)
        {
            throw new LayerToolsException("UseNewContainerLayer", ErrorKind.InvalidOperation, $"New-Item does not make containers; New-ContainerLayer <image> -Name {p.Top} does.", path);
        }

        var view = WritableView(p, "create items in");
        var kind = (itemTypeName ?? string.Empty).Trim().ToLowerInvariant();
        var value = newItemValue is PSObject ps ? ps.BaseObject : newItemValue;
        var existing = view.Stat(p.Inner);
        if (!ShouldProcess(p.Display, $"New {(kind.Length == 0 ? "file" : kind)}"))
        {
            return;
        }

        // As on the FileSystem drive, -Force makes the missing parent directories.
        var parent = TarPath.Parent(ContainerView.Clean(p.Inner));
        if (Force && kind is not ("directory" or "container") && parent.Length > 0 && view.Stat(parent, followLinks: true) is null)
        {
            view.CreateDirectory(parent);
        }

        switch (kind)
        {
            case "":
            case "file":
                if (existing is not null && (!Force || existing.Type == EntryType.Directory))
                {
                    throw Exists(p);
                }

                using (var output = view.OpenWrite(p.Inner))
                {
                    WriteValue(output, value);
                }

                break;
            case "directory":
            case "container":
                if (existing is not null)
                {
                    if (!Force || existing.Type != EntryType.Directory)
                    {
                        throw Exists(p);
                    }
                }
                else
                {
                    view.CreateDirectory(p.Inner);
                }

                break;
            case "symboliclink":
            case "symlink":
                if (existing is not null)
                {
                    if (!Force)
                    {
                        throw Exists(p);
                    }

                    view.Delete(p.Inner, recursive: false);
                }

                view.CreateSymlink(p.Inner, ValueText(value) ?? throw new LayerToolsException("LinkTargetMissing", ErrorKind.InvalidArgument, $"A symbolic link needs its target: New-Item {p.Display} -ItemType SymbolicLink -Value <target>.", path));
                break;
            case "hardlink":
                if (existing is not null)
                {
                    throw Exists(p);
                }

                view.CreateHardLink(p.Inner, InnerTarget(ValueText(value) ?? throw new LayerToolsException("LinkTargetMissing", ErrorKind.InvalidArgument, $"A hard link needs its target: New-Item {p.Display} -ItemType HardLink -Value <path in the container>.", path)));
                break;
            default:
                throw new LayerToolsException("UnknownItemType", ErrorKind.InvalidArgument, $"'{itemTypeName}' is not an item type of the Container: drive; use File, Directory, SymbolicLink or HardLink.", itemTypeName);
        }

        var created = view.Stat(p.Inner)!;
        WriteFile(created, path, created.Type == EntryType.Directory);
    });

    protected override void RemoveItem(string path, bool recurse) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.Kind == DriveKind.Container && p.IsTop)
        {
            throw new LayerToolsException("UseRemoveContainerLayer", ErrorKind.InvalidOperation, $"Remove-Item does not remove containers; Remove-ContainerLayer {p.Top} does.", path);
        }

        var view = WritableView(p, "remove items from");
        if (ShouldProcess(p.Display, "Remove (a whiteout when the path comes from the image)"))
        {
            view.Delete(p.Inner, recurse);
        }
    });

    protected override void RenameItem(string path, string newName) => Guard(path, () =>
    {
        var p = Parse(path);
        var view = WritableView(p, "rename items in");
        if (string.IsNullOrEmpty(newName) || newName.IndexOfAny(new[] { '/', '\\' }) >= 0 || newName is "." or "..")
        {
            throw new LayerToolsException("InvalidNewName", ErrorKind.InvalidArgument, $"'{newName}' is not a name: Rename-Item takes a new name without separators; Move-Item moves items elsewhere.", newName);
        }

        var parent = TarPath.Parent(ContainerView.Clean(p.Inner));
        var destination = TarPath.Join(parent, newName);
        if (view.Stat(destination) is not null)
        {
            throw new LayerToolsException("ItemExists", ErrorKind.ResourceExists, $"'{newName}' already exists next to '{p.Display}' in container '{p.Top}'.", newName);
        }

        if (ShouldProcess(p.Display, $"Rename to {newName}"))
        {
            view.Move(p.Inner, destination);
            var renamed = view.Stat(destination)!;
            WriteFile(renamed, MakePath(GetParentPath(path, string.Empty), newName), renamed.Type == EntryType.Directory);
        }
    });

    protected override void CopyItem(string path, string copyPath, bool recurse) => Guard(path, () =>
    {
        var source = Parse(path);
        var target = Parse(copyPath);
        var view = WritableView(target, "copy items into");
        var from = RequireTree(source);
        if (source.IsRoot || from.Item(source.Inner) is null)
        {
            throw NotFound(source);
        }

        if (!ShouldProcess(source.Display, $"Copy to {target.Display}"))
        {
            return;
        }

        var destination = Landing(view, from, source, target);
        if (from is ContainerTree same && same.View.Record.Id == view.Record.Id && SameStore(source, target))
        {
            view.Copy(source.Inner, target.Inner, recurse);
        }
        else
        {
            CopyAcross(from, source.Inner, view, destination, recurse);
        }

        WriteCopied(view, target, destination);
    });

    protected override void MoveItem(string path, string destination) => Guard(path, () =>
    {
        var source = Parse(path);
        var target = Parse(destination);
        var view = WritableView(target, "move items into");
        var sourceView = WritableView(source, "move items out of");
        if (source.IsTop)
        {
            throw new LayerToolsException("CannotMoveRoot", ErrorKind.InvalidArgument, $"The root of container '{source.Top}' cannot be moved.", path);
        }

        if (!ShouldProcess(source.Display, $"Move to {target.Display}"))
        {
            return;
        }

        var from = new ContainerTree(sourceView);
        var landing = Landing(view, from, source, target);
        if (sourceView.Record.Id == view.Record.Id && SameStore(source, target))
        {
            view.Move(source.Inner, target.Inner);
        }
        else
        {
            CopyAcross(from, source.Inner, view, landing, recurse: true);
            sourceView.Delete(source.Inner, recursive: true);
        }

        WriteCopied(view, target, landing);
    });

    // ------------------------------------------------------------------ content

    public IContentReader? GetContentReader(string path)
    {
        IContentReader? reader = null;
        Guard(path, () =>
        {
            var p = Parse(path);
            var tree = RequireTree(p);
            var item = p.IsTop ? null : tree.Item(p.Inner);
            if (item is null || tree.IsDirectory(p.Inner))
            {
                throw item is null && !p.IsTop ? NotFound(p) : new LayerToolsException("IsADirectory", ErrorKind.InvalidArgument, $"'{p.Display}' is a directory; Get-ChildItem lists it.", path);
            }

            var options = DynamicParameters as ContentReaderParameters;
            var bytes = options is not null && (options.AsByteStream.IsPresent || ContentEncoding.IsByte(options.Encoding));
            reader = new LayerContentReader(() => tree.OpenRead(p.Inner), ContentEncoding.Get(options?.Encoding), bytes, options?.Raw.IsPresent == true);
        });
        return reader;
    }

    public object GetContentReaderDynamicParameters(string path) => new ContentReaderParameters();

    public IContentWriter? GetContentWriter(string path)
    {
        IContentWriter? writer = null;
        Guard(path, () =>
        {
            var p = Parse(path);
            var view = WritableView(p, "write files in");
            if (view.Stat(p.Inner, followLinks: true)?.Type == EntryType.Directory)
            {
                throw new LayerToolsException("IsADirectory", ErrorKind.InvalidArgument, $"'{p.Display}' is a directory; only files have content.", path);
            }

            var options = DynamicParameters as ContentWriterParameters;
            var bytes = options is not null && (options.AsByteStream.IsPresent || ContentEncoding.IsByte(options.Encoding));
            writer = new LayerContentWriter(append => view.OpenWrite(p.Inner, append), ContentEncoding.Get(options?.Encoding), bytes, options?.NoNewline.IsPresent == true);
        });
        return writer;
    }

    public object GetContentWriterDynamicParameters(string path) => new ContentWriterParameters();

    public void ClearContent(string path)
    {
        var p = DrivePath.Parse(path);
        if (p is not null && p.Kind == DriveKind.Container && !p.IsRoot && !p.IsTop && TreeOf(p) is ContainerTree tree && tree.Item(p.Inner) is null)
        {
            // Set-Content clears before it writes; a file that is not there yet has nothing to clear.
            throw new ItemNotFoundException($"'{p.Display}' does not exist.");
        }

        if (p is not null && p.Kind == DriveKind.Image && DynamicParameters is ContentWriterParameters)
        {
            // Set-Content clears first and reports what this returns as a bare exception: let its
            // content writer report ImageIsReadOnly instead, as Add-Content gets it.
            return;
        }

        Guard(path, () =>
        {
            var parsed = Parse(path);
            var view = WritableView(parsed, "clear files in");
            if (ShouldProcess(parsed.Display, "Clear content (copies an image file up, empty)"))
            {
                view.OpenWrite(parsed.Inner, append: false).Dispose();
            }
        });
    }

    public object? ClearContentDynamicParameters(string path) => null;

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// Takes a provider path apart. PowerShell hands a path without the drive's root in one case: a
    /// content cmdlet's -LiteralPath naming an item that does not exist yet arrives as '/&lt;top&gt;/…'
    /// (the drive-relative path); it is read against the drive in use.
    /// </summary>
    private DrivePath Parse(string path)
    {
        var parsed = DrivePath.Parse(path);
        if (parsed is null && PSDriveInfo is { } drive && (path.StartsWith('/') || path.StartsWith('\\')))
        {
            parsed = DrivePath.Parse(drive.Root.TrimEnd('/', '\\') + "/" + path.TrimStart('/', '\\'));
        }

        return parsed ?? throw new LayerToolsException("NotALayerToolsPath", ErrorKind.InvalidArgument, $"'{path}' is not a path of a LayerTools drive (Image: or Container:).", path);
    }

    private static IDriveTree? TreeOf(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is null || p.Top is null)
        {
            return null;
        }

        if (p.Kind == DriveKind.Image)
        {
            return stores.FindImage(p.Top) is { } image ? stores.TreeOf(image) : null;
        }

        return stores.FindContainer(p.Top) is { } record ? stores.TreeOf(record) : null;
    }

    private static IDriveTree RequireTree(DrivePath p) => TreeOf(p) ?? throw new LayerToolsException(
        p.Kind == DriveKind.Image ? "ImageNotFound" : "ContainerNotFound",
        ErrorKind.ObjectNotFound,
        p.Kind == DriveKind.Image
            ? $"No image '{ImagePathName.Decode(p.Top ?? string.Empty)}' in the store. Get-ChildItem Image:\\ lists the images (a '/' in a name is written %2F)."
            : $"No container '{p.Top}' in the store. Get-ChildItem Container:\\ lists the containers.",
        p.Top);

    /// <summary>The container a write goes to; under Image: the ImageIsReadOnly error.</summary>
    private static ContainerView WritableView(DrivePath p, string what)
    {
        if (p.Kind == DriveKind.Image)
        {
            var image = p.Top is null ? "an image" : $"image {ImagePathName.Decode(p.Top)}";
            if (p.IsTop && what.StartsWith("remove", StringComparison.Ordinal))
            {
                throw new LayerToolsException("ImageIsReadOnly", ErrorKind.WriteError, $"Cannot remove '{p.Display}': the Image: drive is read-only. Remove-LayeredImage {ImagePathName.Decode(p.Top!)} removes an image from the store.", p.Display);
            }

            throw new LayerToolsException(
                "ImageIsReadOnly",
                ErrorKind.WriteError,
                $"Cannot {what} '{p.Display}': the Image: drive is read-only ({image} never changes). Start a container on it (New-ContainerLayer) and change its files under Container:\\<name>.",
                p.Display);
        }

        if (p.IsRoot)
        {
            throw new LayerToolsException("UseContainerCmdlets", ErrorKind.InvalidOperation, $"Cannot {what} the root of the Container: drive: containers are made with New-ContainerLayer and removed with Remove-ContainerLayer.", p.Display);
        }

        return ((ContainerTree)RequireTree(p)).View;
    }

    /// <summary>The names at the top of a drive: the images' path-safe names, or the container names.</summary>
    private static IEnumerable<string> TopNames(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is null)
        {
            return Enumerable.Empty<string>();
        }

        return p.Kind == DriveKind.Image
            ? stores.Images().Select(i => i.PathName)
            : stores.ContainerRecords().Select(r => r.Name);
    }

    private static object TopModel(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is not null && p.Top is not null)
        {
            if (p.Kind == DriveKind.Image && stores.FindImage(p.Top) is { } image)
            {
                return image.Model;
            }

            if (p.Kind == DriveKind.Container && stores.FindContainer(p.Top) is { } record)
            {
                return stores.Containers.Get(record.Id);
            }
        }

        throw NotFound(p);
    }

    /// <summary>Writes a directory's children, then (with <paramref name="recurse"/>) each subdirectory's, as the FileSystem drive orders them.</summary>
    private void ListTree(IDriveTree tree, string inner, string path, bool recurse, uint depth)
    {
        var directories = new List<(string Inner, string Path)>();
        foreach (var child in tree.Children(inner))
        {
            if (Stopping)
            {
                return;
            }

            var childInner = Join(inner, child.Name);
            var childPath = MakePath(path, child.Name);
            if (Matches(child.Name))
            {
                WriteFile(child, childPath, IsContainerItem(tree, childInner, child));
            }

            // Links are shown, never followed: a recursion stays inside real directories.
            if (recurse && depth > 0 && child.Type == EntryType.Directory)
            {
                directories.Add((childInner, childPath));
            }
        }

        foreach (var (childInner, childPath) in directories)
        {
            ListTree(tree, childInner, childPath, recurse, depth - 1);
        }
    }

    /// <summary>
    /// Writes a file item. Its <c>Path</c> is the drive path (<c>Image:/app:1/etc/hosts</c>) and the
    /// path inside the image or container ("/etc/hosts") moves to <c>LayerPath</c>: cmdlets downstream
    /// bind -Path by property name before -LiteralPath (PSPath), and "/etc/hosts" would name the
    /// host's file (Get-ChildItem Container:\web\etc | Remove-Item must never touch the host).
    /// </summary>
    private void WriteFile(LayerFile file, string path, bool isContainer)
    {
        var item = DrivePath.Addressed(file, file.Path, UserPath(path));
        item.TypeNames.Insert(0, DriveFileTypeName);
        WriteItemObject(item, path, isContainer);
    }

    /// <summary>A provider path as the user would type it: on the drive in use when it lies under its root, else provider-qualified.</summary>
    private string UserPath(string path)
    {
        var drive = PSDriveInfo;
        var normalized = path.Replace('\\', '/');
        if (drive is not null)
        {
            var root = drive.Root.Replace('\\', '/').TrimEnd('/');
            if (normalized == root || normalized.StartsWith(root + "/", StringComparison.Ordinal))
            {
                var rest = normalized[root.Length..].TrimStart('/');
                return drive.Name + ":" + System.IO.Path.DirectorySeparatorChar + rest.Replace('/', System.IO.Path.DirectorySeparatorChar);
            }
        }

        return ProviderName + "\\" + ProviderName + "::" + path;
    }

    private static bool IsContainerItem(IDriveTree tree, string inner, LayerFile item) =>
        item.Type == EntryType.Directory || (item.Type == EntryType.SymbolicLink && tree.IsDirectory(inner));

    /// <summary>-Filter, matched as PowerShell matches wildcards in paths and -Include on this provider: regardless of case.</summary>
    private bool Matches(string name) =>
        string.IsNullOrEmpty(Filter) || WildcardPattern.Get(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant).IsMatch(name);

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    private static bool SameStore(DrivePath a, DrivePath b) => string.Equals(a.StorePath, b.StorePath, StringComparison.Ordinal);

    /// <summary>Where a copy or move lands: into the destination when it is a directory, else at it.</summary>
    private static string Landing(ContainerView view, IDriveTree from, DrivePath source, DrivePath target)
    {
        var isDirectory = view.Stat(target.Inner, followLinks: true)?.Type == EntryType.Directory;
        var sourceName = TarPath.Name(ContainerView.Clean(source.Inner));
        var sourceIsDirectory = from.Item(source.Inner)?.Type == EntryType.Directory;
        return isDirectory && !(sourceIsDirectory && view.Stat(target.Inner) is null)
            ? Join(view.Resolve(target.Inner, followLast: true), sourceName)
            : ContainerView.Clean(target.Inner);
    }

    /// <summary>Copies from another tree (an image, another container) into a container: files streamed, links as links, directories walked with <paramref name="recurse"/>.</summary>
    private void CopyAcross(IDriveTree from, string source, ContainerView to, string destination, bool recurse)
    {
        var item = from.Item(source) ?? throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"'/{source}' is not in {from.Label}.", source);
        switch (item.Type)
        {
            case EntryType.File:
            case EntryType.HardLink:
                using (var input = from.OpenRead(source))
                {
                    to.WriteFile(destination, input, append: false, mode: item.Mode & 0xFFF);
                }

                break;
            case EntryType.SymbolicLink:
                if (to.Stat(destination) is not null)
                {
                    to.Delete(destination);
                }

                to.CreateSymlink(destination, item.LinkTarget ?? string.Empty);
                break;
            case EntryType.Directory:
                if (to.Stat(destination, followLinks: true)?.Type != EntryType.Directory)
                {
                    to.CreateDirectory(destination, item.Mode & 0xFFF);
                }

                if (recurse)
                {
                    foreach (var child in from.Children(source))
                    {
                        if (Stopping)
                        {
                            return;
                        }

                        CopyAcross(from, Join(source, child.Name), to, Join(destination, child.Name), recurse);
                    }
                }

                break;
            default:
                WriteWarning($"'{item.Path}' of {from.Label} is a {item.Type}; only files, links and directories are copied between images and containers.");
                break;
        }
    }

    private void WriteCopied(ContainerView view, DrivePath target, string destination)
    {
        var item = view.Stat(destination);
        if (item is not null)
        {
            var path = MakePath(target.Root, MakePath(target.Top!, destination));
            WriteFile(item, path, item.Type == EntryType.Directory);
        }
    }

    private static void WriteValue(Stream output, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case byte[] bytes:
                output.Write(bytes);
                return;
            default:
                var text = ValueText(value) ?? string.Empty;
                output.Write(Encoding.UTF8.GetBytes(text));
                return;
        }
    }

    private static string? ValueText(object? value) => value switch
    {
        null => null,
        PSObject ps => ValueText(ps.BaseObject),
        string s => s,
        object[] many => string.Join("\n", many.Select(ValueText)),
        _ => LanguagePrimitives.ConvertTo<string>(value),
    };

    /// <summary>A hard link's target as a path inside the same container: a container path, or a Container:\name\... path.</summary>
    private static string InnerTarget(string text)
    {
        var colon = text.IndexOf(":", StringComparison.Ordinal);
        if (text.StartsWith("Container:", StringComparison.OrdinalIgnoreCase) && colon > 0)
        {
            var rest = text[(colon + 1)..].Replace('\\', '/').TrimStart('/');
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            return slash < 0 ? string.Empty : rest[(slash + 1)..];
        }

        return text;
    }

    private static LayerToolsException NotFound(DrivePath p) =>
        new("PathNotFound", ErrorKind.ObjectNotFound, $"Cannot find '{p.Display}'.", p.Display);

    private static LayerToolsException Exists(DrivePath p) =>
        new("ItemExists", ErrorKind.ResourceExists, $"'{p.Display}' already exists; use -Force to replace a file.", p.Display);

    /// <summary>Runs a provider call, turning the core's failures into error records with their stable ids (ImageIsReadOnly is PermissionDenied).</summary>
    private void Guard(string path, Action action)
    {
        try
        {
            action();
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ImageIsReadOnly")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.PermissionDenied, ex.Target ?? path));
        }
        catch (LayerToolsException ex)
        {
            WriteError(ErrorRecords.From(ex, path));
        }
        catch (IOException ex)
        {
            WriteError(ErrorRecords.FromIO(ex, path));
        }
        catch (UnauthorizedAccessException ex)
        {
            WriteError(ErrorRecords.FromIO(ex, path));
        }
    }
}
