using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

public sealed class LeaseTests
{
    /// <summary>A layer no image references: what a removed image leaves behind.</summary>
    private static string UnreferencedLayer(TempStore t)
    {
        var stored = TestImages.Add(t.Store, "seed:1", new TarBuilder().File("etc/shared", "shared"));
        var diffId = new ImageCatalog(t.Store).Load(stored).Layers[0];
        Assert.True(new ImageCatalog(t.Store).Untag(stored));
        return diffId;
    }

    [Fact]
    public void ABlobALiveLeaseHoldsSurvivesTheCollectorAndGoesOnceTheLeaseIsReleased()
    {
        using var t = new TempStore();
        var diffId = UnreferencedLayer(t);
        using (var lease = t.Store.AcquireLease())
        {
            Assert.True(lease.TryHold(diffId));
            var result = StoreMaintenance.Collect(t.Store, whatIf: false);
            Assert.DoesNotContain(diffId, result.Blobs);
            Assert.True(t.Store.HasBlob(diffId));
            Assert.True(File.Exists(t.Store.LayerIndexPath(diffId)));
        }

        Assert.Contains(diffId, StoreMaintenance.Collect(t.Store, whatIf: false).Blobs);
        Assert.False(t.Store.HasBlob(diffId));
        Assert.Empty(Directory.EnumerateFileSystemEntries(LeaseSweeper.LeasesDir(t.Store)));
    }

    [Fact]
    public void AStagedLayerTheStoreHasAlreadyIsHeldUntilTheCommitNamesIt()
    {
        using var t = new TempStore();
        var diffId = UnreferencedLayer(t);
        using var staging = t.Store.BeginStaging();
        using (var tar = new TarBuilder().File("etc/shared", "shared").ToStream())
        {
            Assert.Equal(diffId, staging.AddLayer(tar, "layer").DiffId);
        }

        // The staged copy was dropped for the store's; the collector, running now, must leave the store's.
        StoreMaintenance.Collect(t.Store, whatIf: false);
        var config = ConfigDocument.Create(new[] { diffId }, new[] { new HistoryRecord(DateTimeOffset.UnixEpoch, "COPY / # test", null, null, false) }, DateTimeOffset.UnixEpoch);
        var manifest = ImageWriter.Write(staging, config, new[] { staging.ReadLayerIndex(diffId) });
        staging.Commit(d => ImageCatalog.ApplyTag(d, ImageCatalog.Tagged(manifest, ImageReference.Parse("app:1"))));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }

    [Fact]
    public void TheCommitRefusesAnImageWhoseLayerLeftTheStoreAndChangesNothing()
    {
        using var t = new TempStore();
        var diffId = UnreferencedLayer(t);
        using var staging = t.Store.BeginStaging();
        Assert.True(staging.HasBlob(diffId));
        var config = ConfigDocument.Create(new[] { diffId }, new[] { new HistoryRecord(DateTimeOffset.UnixEpoch, "COPY / # test", null, null, false) }, DateTimeOffset.UnixEpoch);
        var manifest = ImageWriter.Write(staging, config, new[] { staging.ReadLayerIndex(diffId) });

        // Something outside LayerTools' rules (a person, another tool) takes the blob away.
        File.Delete(t.Store.BlobPath(diffId));
        var before = File.ReadAllText(t.Store.IndexJsonPath);
        var ex = Assert.Throws<LayerToolsException>(() => staging.Commit(d => ImageCatalog.ApplyTag(d, ImageCatalog.Tagged(manifest, ImageReference.Parse("app:1")))));
        Assert.Equal("BlobVanished", ex.ErrorId);
        Assert.Contains(diffId, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(t.Store.IndexJsonPath));
    }

    [Fact]
    public void ATagOfAnImageTheCollectorTookMeanwhileIsRefusedAndChangesNothing()
    {
        using var t = new TempStore();
        var catalog = new ImageCatalog(t.Store);
        var stored = TestImages.Add(t.Store, "app:1", new TarBuilder().File("etc/app", "app"));

        // Add-LayeredImageTag looked app:1 up; before it writes, app:1 is removed and the collector runs.
        Assert.True(catalog.Untag(stored));
        Assert.NotEmpty(StoreMaintenance.Collect(t.Store, whatIf: false).Blobs);
        var before = File.ReadAllText(t.Store.IndexJsonPath);
        var ex = Assert.Throws<LayerToolsException>(() => catalog.Tag(stored.Manifest, ImageReference.Parse("app:2")));
        Assert.Equal("BlobVanished", ex.ErrorId);
        Assert.Equal(before, File.ReadAllText(t.Store.IndexJsonPath));
        Assert.Empty(StoreMaintenance.Verify(t.Store));

        // An image still named stays taggable.
        var again = TestImages.Add(t.Store, "app:1", new TarBuilder().File("etc/app", "app"));
        Assert.Equal("app:3", catalog.Tag(again.Manifest, ImageReference.Parse("app:3")).Reference!.ToString());
    }

    [Fact]
    public void ADeadLeaseHoldsNothingAndItsScratchFolderGoesAtTheNextLock()
    {
        using var t = new TempStore();
        var diffId = UnreferencedLayer(t);

        // What a killed operation leaves: its lease files (the lock no longer held) and its scratch folder.
        var id = Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(LeaseSweeper.LeasesDir(t.Store));
        File.WriteAllText(LeaseSweeper.LockPath(t.Store, id), string.Empty);
        File.WriteAllText(LeaseSweeper.HeldPath(t.Store, id), diffId + "\n");
        var scratch = Path.Combine(t.Store.TmpDir, id, "staging-x");
        Directory.CreateDirectory(scratch);
        File.WriteAllText(Path.Combine(scratch, "partial"), "half a layer");

        var reopened = LayerStore.Open(t.Root);
        using (reopened.Lock())
        {
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Store.TmpDir));
        Assert.Empty(Directory.EnumerateFileSystemEntries(LeaseSweeper.LeasesDir(t.Store)));
        Assert.Contains(diffId, StoreMaintenance.Collect(reopened, whatIf: false).Blobs);
    }

    [Fact]
    public void ALiveLeaseOfAnotherCommandKeepsItsScratchFolder()
    {
        using var t = new TempStore();
        using var lease = t.Store.AcquireLease();
        var path = lease.NewTmpPath("staging");
        File.WriteAllText(path, "in flight");
        var reopened = LayerStore.Open(t.Root);
        using (reopened.Lock())
        {
        }

        StoreMaintenance.Collect(reopened, whatIf: false);
        Assert.True(File.Exists(path));
        lease.Dispose();
        Assert.False(Directory.Exists(lease.TmpDir));
    }
    [Fact]
    public void ALeaseKilledWhileItWasMadeAndADeadCopysStagingGoWhenTheNextCommandTakesALease()
    {
        using var t = new TempStore();
        Directory.CreateDirectory(LeaseSweeper.LeasesDir(t.Store));

        // Killed between creating its lease file and naming it: a .new file nobody locks.
        var abandoned = Path.Combine(LeaseSweeper.LeasesDir(t.Store), Guid.NewGuid().ToString("N") + LeaseSweeper.NewSuffix);
        File.WriteAllText(abandoned, string.Empty);

        // One being made right now: locked, so it stays.
        var making = Path.Combine(LeaseSweeper.LeasesDir(t.Store), Guid.NewGuid().ToString("N") + LeaseSweeper.NewSuffix);
        using var maker = new FileStream(making, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);

        // A dead operation's folder outside tmp/ (a copy's staging in a container's folder), recorded in its scratch folder.
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllText(LeaseSweeper.LockPath(t.Store, id), string.Empty);
        var outside = Path.Combine(t.Parent, ".copy.layertools-" + id + ".tmp");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "0"), "staged");
        Directory.CreateDirectory(Path.Combine(t.Store.TmpDir, id));
        File.WriteAllText(Path.Combine(t.Store.TmpDir, id, LeaseSweeper.OutsideRecord), outside + "\n");

        // The next command takes a lease without ever taking the store lock itself (Copy-ContainerItem, Mount-ContainerLayer).
        using (LayerStore.Open(t.Root).AcquireLease())
        {
            Assert.False(File.Exists(abandoned));
            Assert.True(File.Exists(making));
            Assert.False(Directory.Exists(outside));
            Assert.False(Directory.Exists(Path.Combine(t.Store.TmpDir, id)));
        }
    }
}
