namespace LayerTools.Provider;

/// <summary>
/// A LayerTools provider path taken apart. Provider paths are the drive root followed by the path the
/// user typed: the root is <c>Image:</c> or <c>Container:</c> for the default store (read from
/// <c>$env:LAYERTOOLS_STORE</c> each time it is used, as every cmdlet does), or
/// <c>&lt;store path&gt;/images</c> and <c>&lt;store path&gt;/containers</c> for another store. Below the
/// root comes the image (<see cref="ImagePathName"/>) or container name, then the path inside it.
/// </summary>
internal sealed class DrivePath
{
    public const string ImagesRoot = "images";
    public const string ContainersRoot = "containers";

    /// <summary>
    /// The default store's roots. They read as the drives' names because PowerShell names the provider
    /// path in "Cannot find path" when an item does not exist (SessionStateInternal.GetChildItems in
    /// SessionStateContainer.cs throws ItemNotFoundException with it): a user sees <c>Image:/app:1/nope</c>,
    /// the path typed, not an internal one. <see cref="ImagesRoot"/> and <see cref="ContainersRoot"/> are
    /// still accepted (the roots before) and name the folders under another store.
    /// </summary>
    public const string DefaultImagesRoot = "Image:";
    public const string DefaultContainersRoot = "Container:";

    private DrivePath(DriveKind kind, string? storePath, string root, string? top, string inner)
    {
        Kind = kind;
        StorePath = storePath;
        Root = root;
        Top = top;
        Inner = inner;
    }

    public DriveKind Kind { get; }

    /// <summary>The store folder, or null for the default store.</summary>
    public string? StorePath { get; }

    /// <summary>The provider path of the drive root (<c>images</c>, or <c>/store/images</c>).</summary>
    public string Root { get; }

    /// <summary>The image (path-safe form) or container name; null at the root.</summary>
    public string? Top { get; }

    /// <summary>The path inside the image or container, '/' separated, without a leading '/'; "" for its root.</summary>
    public string Inner { get; }

    public bool IsRoot => Top is null;

    public bool IsTop => Top is not null && Inner.Length == 0;

    public string Display => Top is null ? (Kind == DriveKind.Image ? "Image:" : "Container:") : $"{(Kind == DriveKind.Image ? "Image:" : "Container:")}/{Top}/{Inner}".TrimEnd('/');

    /// <summary>The root a drive over <paramref name="storePath"/> (null: the default store) has.</summary>
    public static string RootFor(DriveKind kind, string? storePath)
    {
        if (storePath is null)
        {
            return kind == DriveKind.Image ? DefaultImagesRoot : DefaultContainersRoot;
        }

        return Path.Join(Path.GetFullPath(storePath), kind == DriveKind.Image ? ImagesRoot : ContainersRoot);
    }

    /// <summary>
    /// The path a file of an image (or a container) has on the provider, as a user would type it:
    /// <c>Image:\app:1\etc\hosts</c> for the default store, provider-qualified
    /// (<c>LayerTools\LayerTools::/store/images/app:1/etc/hosts</c>) for another. <paramref name="top"/> is
    /// the image's name on the drive (<see cref="ImagePathName"/>) or the container's name.
    /// </summary>
    public static string ForFile(DriveKind kind, string storeRoot, string top, string inner)
    {
        var rest = (top + "/" + inner.TrimStart('/')).TrimEnd('/');
        var full = Path.GetFullPath(storeRoot).TrimEnd(Path.DirectorySeparatorChar);
        var isDefault = string.Equals(full, Path.GetFullPath(Core.Store.StorePaths.Default()).TrimEnd(Path.DirectorySeparatorChar), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        return isDefault
            ? (kind == DriveKind.Image ? "Image:" : "Container:") + Path.DirectorySeparatorChar + rest.Replace('/', Path.DirectorySeparatorChar)
            : LayerToolsProvider.ProviderName + "\\" + LayerToolsProvider.ProviderName + "::" + RootFor(kind, full) + "/" + rest;
    }

    /// <summary>
    /// An object as it travels down the pipeline from a drive or a cmdlet that lists files inside an
    /// image or a container: <c>Path</c> is where it lives on a drive (or the host, for a directory
    /// side of Compare-Layer) and <c>LayerPath</c> the path inside. Cmdlets bind -Path by property name
    /// before -LiteralPath, so a bare '/etc/hosts' would name the host's file.
    /// </summary>
    public static System.Management.Automation.PSObject Addressed(object item, string layerPath, string path)
    {
        var addressed = new System.Management.Automation.PSObject(item);
        addressed.Properties.Add(new System.Management.Automation.PSNoteProperty("LayerPath", layerPath));
        addressed.Properties.Add(new System.Management.Automation.PSNoteProperty("Path", path));
        return addressed;
    }

    /// <summary>Takes a provider path apart; null when it is not under a LayerTools root.</summary>
    public static DrivePath? Parse(string path)
    {
        var text = path.Replace('\\', '/');
        var parts = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return null;
        }

        // The default store: the path starts with the drive's root (or the kind, the root before).
        if (DefaultKindOf(parts[0]) is { } defaultKind)
        {
            return Make(defaultKind, null, parts, 0);
        }

        // Another store: the first 'images' or 'containers' component whose prefix is a store folder.
        for (var i = 1; i < parts.Length; i++)
        {
            if (KindOf(parts[i]) is { } kind && StoreAt(parts, i, text) is { } store)
            {
                return Make(kind, store, parts, i);
            }
        }

        return null;
    }

    private static DrivePath Make(DriveKind kind, string? store, string[] parts, int marker)
    {
        var top = parts.Length > marker + 1 ? parts[marker + 1] : null;
        var inner = parts.Length > marker + 2 ? string.Join('/', parts, marker + 2, parts.Length - marker - 2) : string.Empty;
        return new DrivePath(kind, store, RootFor(kind, store), top, inner);
    }

    /// <summary>The kind a default store's root names: <c>Image:</c> or <c>images</c>, <c>Container:</c> or <c>containers</c>.</summary>
    public static DriveKind? DefaultKindOf(string part) => part switch
    {
        DefaultImagesRoot => DriveKind.Image,
        DefaultContainersRoot => DriveKind.Container,
        _ => KindOf(part),
    };

    private static DriveKind? KindOf(string part) => part switch
    {
        ImagesRoot => DriveKind.Image,
        ContainersRoot => DriveKind.Container,
        _ => null,
    };

    private static string? StoreAt(string[] parts, int marker, string text)
    {
        var prefix = StorePrefix(parts, marker, text);
        return prefix.Length > 0 && IsStore(prefix) ? Path.GetFullPath(prefix) : null;
    }

    private static string StorePrefix(string[] parts, int marker, string text)
    {
        var joined = string.Join('/', parts, 0, marker);
        if (text.StartsWith('/'))
        {
            joined = "/" + joined;
        }

        return joined;
    }

    private static bool IsStore(string folder) =>
        folder.Length > 0 && Path.IsPathRooted(folder) && (File.Exists(Path.Join(folder, "oci-layout")) || Known.ContainsKey(Path.GetFullPath(folder)));

    /// <summary>Store folders that drives were made for (they may not exist yet).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Known = new(StringComparer.Ordinal);
}
