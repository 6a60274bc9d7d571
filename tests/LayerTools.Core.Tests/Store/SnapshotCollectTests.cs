using LayerTools.Core.HostFs;
using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

public sealed class SnapshotCollectTests
{
    [Fact]
    public void CollectRemovesTheSnapshotsOfUnreferencedLayersAndKeepsTheOthers()
    {
        using var t = new TempStore();
        var keep = TestImages.Add(t.Store, "keep:1", new TarBuilder().Dir("etc").File("etc/keep", "k"));
        var drop = TestImages.Add(t.Store, "drop:1", new TarBuilder().Dir("etc").File("etc/drop", "d"));
        var catalog = new ImageCatalog(t.Store);
        var keepLayer = catalog.Load(keep).Layers[0];
        var dropLayer = catalog.Load(drop).Layers[0];
        var snapshots = new SnapshotCache(t.Store);
        snapshots.Ensure(new[] { keepLayer });
        snapshots.Ensure(new[] { dropLayer });
        Assert.True(Directory.Exists(snapshots.LayerDirectory(dropLayer)));

        catalog.Untag(drop);
        var old = DateTime.UtcNow - StoreMaintenance.TmpMaxAge - TimeSpan.FromMinutes(1);
        Directory.SetLastWriteTimeUtc(snapshots.LayerDirectory(dropLayer), old);
        Directory.SetLastWriteTimeUtc(snapshots.LayerDirectory(keepLayer), old);
        var leftover = Path.Combine(t.Store.TmpDir, "run-leftover");
        Directory.CreateDirectory(Path.Combine(leftover, "upper", "etc"));
        File.WriteAllText(Path.Combine(leftover, "upper", "etc", "f"), "x");
        Directory.SetLastWriteTimeUtc(leftover, old);

        StoreMaintenance.Collect(t.Store, whatIf: true);
        Assert.True(Directory.Exists(snapshots.LayerDirectory(dropLayer)));

        StoreMaintenance.Collect(t.Store, whatIf: false);
        Assert.False(Directory.Exists(snapshots.LayerDirectory(dropLayer)));
        Assert.True(Directory.Exists(snapshots.LayerDirectory(keepLayer)));
        Assert.False(Directory.Exists(leftover));
    }

    [Fact]
    public void AFreshSnapshotOfAnUnreferencedLayerIsLeftForTheBuildThatMayUseIt()
    {
        using var t = new TempStore();
        var drop = TestImages.Add(t.Store, "drop:1", new TarBuilder().File("f", "f"));
        var layer = new ImageCatalog(t.Store).Load(drop).Layers[0];
        var snapshots = new SnapshotCache(t.Store);
        snapshots.Ensure(new[] { layer });
        new ImageCatalog(t.Store).Untag(drop);
        StoreMaintenance.Collect(t.Store, whatIf: false);
        Assert.True(Directory.Exists(snapshots.LayerDirectory(layer)));
    }

    [Fact]
    public void ASnapshotWhoseRemovalStopsHalfWayIsNeverTakenAsComplete()
    {
        // The collector's removal of an unreferenced snapshot stops at a mount left inside it (it never
        // crosses one), after deleting "a". The layer then comes back (imported again): its snapshot
        // must be the whole layer, not the rest the removal left under the snapshot's name.
        using var t = new TempStore();
        var layerTar = new TarBuilder().File("a", "a").Dir("m").File("z", "z");
        var image = TestImages.Add(t.Store, "drop:1", layerTar);
        var catalog = new ImageCatalog(t.Store);
        var layer = catalog.Load(image).Layers[0];
        var snapshots = new SnapshotCache(t.Store);
        var dir = snapshots.Ensure(new[] { layer })[0];
        var (code, _, error) = HostProcess.Run("mount", new[] { "-t", "tmpfs", "tmpfs", Path.Combine(dir, "m") });
        Assert.True(code == 0, error);
        try
        {
            catalog.Untag(image);
            Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow - StoreMaintenance.TmpMaxAge - TimeSpan.FromMinutes(1));
            StoreMaintenance.Collect(t.Store, whatIf: false);

            TestImages.Add(t.Store, "drop:1", layerTar);
            var again = snapshots.Ensure(new[] { layer })[0];
            Assert.Equal(dir, again);
            Assert.Equal("a", File.ReadAllText(Path.Combine(again, "a")));
            Assert.Equal("z", File.ReadAllText(Path.Combine(again, "z")));
        }
        finally
        {
            // The mount moved with the removed snapshot (into a lease's scratch folder) or stayed in place.
            foreach (var line in File.ReadLines("/proc/self/mountinfo").Reverse())
            {
                var mountPoint = line.Split(' ')[4];
                if (mountPoint.StartsWith(t.Root + "/", StringComparison.Ordinal))
                {
                    LinuxNative.Umount2(mountPoint, LinuxNative.MntDetach);
                }
            }
        }
    }
}
