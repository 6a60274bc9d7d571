using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using static LayerTools.Provider.DriveTrees;

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
public sealed partial class LayerToolsProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    public const string ProviderName = "LayerTools";

    /// <summary>The type name file items carry first, for their table view (by directory, names only).</summary>
    public const string DriveFileTypeName = "LayerTools.Core.Layers.LayerFile#Drive";

    // ------------------------------------------------------------------ drives

    protected override Collection<PSDriveInfo> InitializeDefaultDrives() => new()
    {
        new PSDriveInfo("Image", ProviderInfo, DrivePath.DefaultImagesRoot, "LayerTools images (read-only union views of their layers)", null),
        new PSDriveInfo("Container", ProviderInfo, DrivePath.DefaultContainersRoot, "LayerTools containers (read-write copy-on-write views)", null),
    };

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is null)
        {
            return null;
        }

        var root = drive.Root.Replace('\\', '/').TrimEnd('/');
        var name = root[(root.LastIndexOf('/') + 1)..];
        if (DrivePath.DefaultKindOf(root) is { } defaultKind)
        {
            root = DrivePath.RootFor(defaultKind, null);
        }
        else
        {
            var store = root.Length > name.Length ? root[..^(name.Length + 1)] : string.Empty;
            if ((name != DrivePath.ImagesRoot && name != DrivePath.ContainersRoot) || store.Length == 0)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException($"'{drive.Root}' is not a LayerTools drive root. Use 'Image:' or 'Container:' (or 'images', 'containers') for the default store, or '<store path>/images' or '<store path>/containers' for another store."),
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

    protected override bool ItemExists(string path) => DriveFetcher.Serving(this, () => ItemExistsServed(path));

    private bool ItemExistsServed(string path)
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

    protected override bool IsItemContainer(string path) => DriveFetcher.Serving(this, () => IsItemContainerServed(path));

    private bool IsItemContainerServed(string path)
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

            var isContainer = IsContainerItem(tree, TarPath.Join(p.Inner, child.Name), child);
            if ((isContainer && returnContainers == ReturnContainers.ReturnAllContainers) || Matches(child.Name))
            {
                WriteItemObject(child.Name, MakePath(path, child.Name), isContainer);
            }
        }
    });

    protected override bool HasChildItems(string path) => DriveFetcher.Serving(this, () => HasChildItemsServed(path));

    private bool HasChildItemsServed(string path)
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

    /// <summary>Writes a directory's children, then (with <paramref name="recurse"/>) each subdirectory's, as the FileSystem drive orders them.</summary>
    private void ListTree(IFileTree tree, string inner, string path, bool recurse, uint depth)
    {
        var directories = new List<(string Inner, string Path)>();
        foreach (var child in tree.Children(inner))
        {
            if (Stopping)
            {
                return;
            }

            var childInner = TarPath.Join(inner, child.Name);
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

    private static bool IsContainerItem(IFileTree tree, string inner, LayerFile item) =>
        item.Type == EntryType.Directory || (item.Type == EntryType.SymbolicLink && tree.IsDirectory(inner));

    /// <summary>-Filter, matched as PowerShell matches wildcards in paths and -Include on this provider: regardless of case.</summary>
    private bool Matches(string name) =>
        string.IsNullOrEmpty(Filter) || WildcardPattern.Get(Filter, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant).IsMatch(name);
}
