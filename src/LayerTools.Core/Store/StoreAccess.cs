namespace LayerTools.Core.Store;

/// <summary>
/// Who may reach the store's files, and the modes that say so. A store is private to its owner
/// (folders 0700, files 0600) unless its root folder has the setgid bit: then it is shared with the
/// root's group (folders 2770, files 0660, immutable blobs and layer indexes 0440), while the folders
/// that hold extracted image content (snapshots/, containers/, cache/mounts/, each RUN's folder) stay
/// 0700 owner-only either way, because images carry setuid files and device nodes. Every mode is set
/// explicitly after creating, so the process umask changes nothing.
/// </summary>
internal sealed class StoreAccess
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A file only its owner reads and writes (0600): a container's lock, a cache mount's lock.</summary>
    public const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupAll = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const UnixFileMode OtherAll = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private StoreAccess(bool shared) => IsShared = shared;

    public static StoreAccess Private { get; } = new(shared: false);

    public static StoreAccess Shared { get; } = new(shared: true);

    /// <summary>True when the store is shared with its root folder's group (the root has the setgid bit).</summary>
    public bool IsShared { get; }

    /// <summary>Mode of the store's own folders: 0700, or 2770 when shared (setgid, so the group carries down).</summary>
    public UnixFileMode FolderMode => IsShared ? UnixFileMode.SetGroup | OwnerOnly | GroupAll : OwnerOnly;

    /// <summary>Mode of the store's files that change (index.json, the lock, cache records): 0600, or 0660 when shared.</summary>
    public UnixFileMode FileMode => IsShared ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode of content-addressed files once in place (blobs, layer indexes): 0600, or 0440 when shared, so no member rewrites another's.</summary>
    public UnixFileMode SealedMode => IsShared ? UnixFileMode.UserRead | UnixFileMode.GroupRead : FileMode;

    /// <summary>The bits a file or folder of this store must not have: group and other when private, other when shared.</summary>
    public UnixFileMode LooseBits => IsShared ? OtherAll : GroupAll | OtherAll;

    /// <summary>The access of the store at <paramref name="root"/>: shared when the folder has the setgid bit.</summary>
    public static StoreAccess Of(string root) =>
        !OperatingSystem.IsWindows() && Directory.Exists(root) && (File.GetUnixFileMode(root) & UnixFileMode.SetGroup) != 0 ? Shared : Private;

    /// <summary>Creates <paramref name="path"/> and its missing parents with <see cref="FolderMode"/>.</summary>
    public void CreateFolder(string path) => Create(path, FolderMode);

    /// <summary>
    /// Creates <paramref name="path"/> (missing parents with <see cref="FolderMode"/>) as a folder only
    /// its owner may enter, and closes it to everyone else when it exists with a looser mode.
    /// </summary>
    public void CreatePrivateFolder(string path)
    {
        Create(path, OwnerOnly);
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(path) != OwnerOnly)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }

    /// <summary>Creates a new file with <see cref="FileMode"/> (its folder must exist).</summary>
    public FileStream CreateFile(string path, int bufferSize = 4096)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        var stream = new FileStream(path, options);
        SetMode(stream, FileMode);
        return stream;
    }

    /// <summary>Opens or creates a file to read and write (a lock file) with <paramref name="mode"/>, whatever the umask.</summary>
    public static FileStream OpenOrCreate(string path, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows() && File.GetUnixFileMode(stream.SafeFileHandle) != mode)
        {
            // Just created (the umask took bits away), or left with an older mode: only its owner may change it.
            TrySetMode(stream, mode);
        }

        return stream;
    }

    /// <summary>Gives a content-addressed file about to move into place its <see cref="SealedMode"/>.</summary>
    public void Seal(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, SealedMode);
        }
    }

    private void Create(string path, UnixFileMode leafMode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
        }

        while (missing.TryPop(out var dir))
        {
            var mode = missing.Count == 0 ? leafMode : FolderMode;
            // Created with at most the mode (the umask only takes bits away), then given exactly the mode.
            Directory.CreateDirectory(dir, mode & (OwnerOnly | GroupAll | OtherAll));
            SetFolderMode(dir, mode);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private void SetFolderMode(string dir, UnixFileMode mode)
    {
        if (File.GetUnixFileMode(dir) == mode)
        {
            return;
        }

        try
        {
            File.SetUnixFileMode(dir, mode);
        }
        catch (UnauthorizedAccessException) when (IsShared)
        {
            // Another member of the group made the folder a moment ago: its owner gives it the mode.
        }
    }

    private static void SetMode(FileStream stream, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(stream.SafeFileHandle, mode);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void TrySetMode(FileStream stream, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(stream.SafeFileHandle, mode);
        }
        catch (UnauthorizedAccessException)
        {
            // Another member of a shared store's group created it: its owner's mode stands.
        }
    }
}
