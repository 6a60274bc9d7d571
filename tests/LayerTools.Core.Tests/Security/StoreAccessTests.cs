using LayerTools.Core.Containers;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Security;

/// <summary>
/// The store's files are private to their owner (0700 folders, 0600 files) by modes set explicitly, so
/// this process's umask (022, which would give 0755/0644) shows through nowhere; a root folder with the
/// setgid bit shares the store with its group, all but the owner-only folders.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class StoreAccessTests
{
    private const UnixFileMode Shared = (UnixFileMode)0x5F8; // 2770

    [Fact]
    public void ANewStoreIsPrivate_FoldersAndFilesAlike()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "a:1", new TarBuilder().File("etc/a", "a"));
        new ContainerStore(t.Store).Create("a:1", "c");

        Assert.Equal(StoreAccess.OwnerOnly, File.GetUnixFileMode(t.Root));
        foreach (var (path, mode) in StoreEntries(t.Root))
        {
            Assert.True(Directory.Exists(path) ? mode == StoreAccess.OwnerOnly : mode == StoreAccess.OwnerFile, $"{path}: {Convert.ToString((int)mode, 8)}");
        }

        Assert.Empty(StoreModes.FindLoose(t.Store));
    }

    [Fact]
    public void ASetgidRootSharesTheStoreWithItsGroup_ButNotSnapshotsOrContainers()
    {
        var parent = Path.Combine(Path.GetTempPath(), "lt-shared-" + Guid.NewGuid().ToString("N"));
        var root = Path.Combine(parent, "store");
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, Shared);
        try
        {
            var store = LayerStore.Open(root);
            Assert.True(store.Access.IsShared);
            var stored = TestImages.Add(store, "a:1", new TarBuilder().File("etc/a", "a"));
            new ContainerStore(store).Create(stored, "c");
            new SnapshotCache(store).Ensure(new LayerTools.Core.Images.ImageCatalog(store).Load(stored).Layers);

            Assert.Equal(Shared, File.GetUnixFileMode(store.BlobsDir));
            Assert.Equal(Shared, File.GetUnixFileMode(store.TmpDir));
            Assert.Equal((UnixFileMode)0x1B0, File.GetUnixFileMode(store.IndexJsonPath)); // 0660
            Assert.Equal((UnixFileMode)0x1B0, File.GetUnixFileMode(store.LockPath));
            Assert.All(Directory.GetFiles(store.BlobsDir), b => Assert.Equal((UnixFileMode)0x120, File.GetUnixFileMode(b))); // 0440
            Assert.All(Directory.GetFiles(store.IndexesDir), b => Assert.Equal((UnixFileMode)0x120, File.GetUnixFileMode(b)));
            Assert.Equal(StoreAccess.OwnerOnly, File.GetUnixFileMode(new SnapshotCache(store).Root));
            Assert.Equal(StoreAccess.OwnerOnly, File.GetUnixFileMode(new ContainerStore(store).ContainersDir));
            Assert.Empty(StoreModes.FindLoose(store));
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void LooseModesAreFound_AndTightenedToTheStoresAccess()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "a:1", new TarBuilder().File("etc/a", "a"));
        var blob = Directory.GetFiles(t.Store.BlobsDir)[0];
        File.SetUnixFileMode(blob, (UnixFileMode)0x1A4); // 0644, as an older LayerTools left it
        File.SetUnixFileMode(t.Store.IndexesDir, (UnixFileMode)0x1ED); // 0755
        var snapshots = Path.Combine(t.Store.DataDir, "snapshots");
        Directory.CreateDirectory(snapshots);
        File.SetUnixFileMode(snapshots, (UnixFileMode)0x1ED);
        File.SetUnixFileMode(t.Root, (UnixFileMode)0x1ED); // the root is the user's to choose: never reported

        var loose = StoreModes.FindLoose(t.Store).Select(l => l.Path).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { blob, t.Store.IndexesDir, snapshots }.Order(StringComparer.Ordinal), loose);
        var problem = Assert.Single(StoreMaintenance.Verify(t.Store));
        Assert.Equal("LooseMode", problem.Kind);
        Assert.Contains("3 files and folders", problem.Message, StringComparison.Ordinal);

        Assert.Equal(3, StoreMaintenance.Collect(t.Store, whatIf: false).Tightened.Count);
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(blob));
        Assert.Equal(StoreAccess.OwnerOnly, File.GetUnixFileMode(t.Store.IndexesDir));
        Assert.Equal(StoreAccess.OwnerOnly, File.GetUnixFileMode(snapshots));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }

    /// <summary>Every file and folder of the store, less image content held in the owner-only folders.</summary>
    private static IEnumerable<(string Path, UnixFileMode Mode)> StoreEntries(string root)
    {
        var containers = Path.Combine(root, "layertools", "containers");
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            var inContainer = path.StartsWith(containers + "/", StringComparison.Ordinal) && Path.GetRelativePath(containers, path).Split('/') is { Length: > 1 } parts && parts[1] == "upper";
            if (!inContainer)
            {
                yield return (path, File.GetUnixFileMode(path));
            }
        }
    }
}
