using LayerTools.Core.Store;

namespace LayerTools.Core.Maintenance;

/// <summary>
/// Finds the store's files and folders that grant more than the store's access allows (a store made
/// before the modes were set explicitly, a chmod by hand), for Test-LayerStore, and closes them, for
/// Optimize-LayerStore. It looks at what LayerTools owns: oci-layout, index.json, blobs/ and
/// layertools/, never the root folder itself (its setgid bit chooses sharing, and it may be any
/// folder the user named). The owner-only folders (snapshots/, containers/, cache/mounts/) are checked
/// themselves, not what they hold: that is image content with the image's modes, which nobody else
/// reaches while they are 0700; tmp/ likewise (it holds work in progress).
/// </summary>
internal static class StoreModes
{
    private static readonly string[] TopLevel = { "oci-layout", "index.json", "blobs", "layertools" };

    /// <summary>Every path of the store with a mode looser than its access allows, with that mode.</summary>
    public static IReadOnlyList<(string Path, UnixFileMode Mode, UnixFileMode Loose)> FindLoose(LayerStore store)
    {
        var found = new List<(string, UnixFileMode, UnixFileMode)>();
        if (OperatingSystem.IsWindows())
        {
            return found;
        }

        var ownerOnly = OwnerOnlyFolders(store);
        var stack = new Stack<string>(TopLevel.Select(n => Path.Combine(store.Root, n)));
        while (stack.TryPop(out var path))
        {
            var info = new FileInfo(path);
            if (!info.Exists && !Directory.Exists(path))
            {
                continue;
            }

            FileSystemInfo entry = info.Exists ? info : new DirectoryInfo(path);
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            var mode = entry.UnixFileMode;
            var isOwnerOnly = ownerOnly.Contains(path);
            var loose = mode & (isOwnerOnly ? StoreAccess.Private.LooseBits : store.Access.LooseBits);
            if (loose != 0)
            {
                found.Add((path, mode, loose));
            }

            if (entry is DirectoryInfo && !isOwnerOnly && path != store.TmpDir)
            {
                foreach (var child in Directory.EnumerateFileSystemEntries(path))
                {
                    stack.Push(child);
                }
            }
        }

        return found;
    }

    /// <summary>Takes the loose bits away from every path <see cref="FindLoose"/> finds; returns those paths.</summary>
    public static IReadOnlyList<string> Tighten(LayerStore store)
    {
        var done = new List<string>();
        foreach (var (path, mode, loose) in FindLoose(store))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, mode & ~loose);
                done.Add(path);
            }
        }

        return done;
    }

    /// <summary>Test-LayerStore's finding, or null: one problem for all the loose paths, naming the first few.</summary>
    public static StoreProblem? Problem(LayerStore store)
    {
        var loose = FindLoose(store);
        if (loose.Count == 0)
        {
            return null;
        }

        var shown = string.Join(", ", loose.Take(3).Select(l => $"'{l.Path}' ({UnixModeText(l.Mode)})"));
        var whom = store.Access.IsShared ? "users outside the store's group" : "other users";
        return new StoreProblem
        {
            Kind = "LooseMode",
            Target = store.Root,
            Path = loose[0].Path,
            Message = $"{loose.Count} files and folders of the store can be reached by {whom}: {shown}{(loose.Count > 3 ? ", ..." : string.Empty)}. Optimize-LayerStore closes them.",
        };
    }

    private static HashSet<string> OwnerOnlyFolders(LayerStore store) => new(StringComparer.Ordinal)
    {
        new Snapshots.SnapshotCache(store).Root,
        new Containers.ContainerStore(store).ContainersDir,
        Path.Combine(store.DataDir, "cache", "mounts"),
    };

    private static string UnixModeText(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
