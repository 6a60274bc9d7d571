using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

public sealed class StoreMaintenanceTests
{
    [Fact]
    public void AHealthyStoreHasNoProblems()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "app:1", new TarBuilder().Dir("etc").File("etc/a", "a"), new TarBuilder().Whiteout("etc/a").File("b", "b"));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }

    [Fact]
    public void ACorruptLayerBlobAMissingIndexAndACorruptConfigAreEachFound()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "app:1", new TarBuilder().File("a", "aaaa"), new TarBuilder().File("b", "bbbb"));
        var catalog = new ImageCatalog(t.Store);
        var image = catalog.Load(stored);

        var layer0 = t.Store.BlobPath(image.Layers[0]);
        var bytes = File.ReadAllBytes(layer0);
        bytes[600] ^= 0xFF;
        File.WriteAllBytes(layer0, bytes);
        File.Delete(t.Store.LayerIndexPath(image.Layers[1]));

        var problems = StoreMaintenance.Verify(t.Store).ToList();
        Assert.Contains(problems, p => p.Kind == "BlobDigestMismatch" && p.Target == image.Layers[0]);
        Assert.Contains(problems, p => p.Kind == "MissingIndex" && p.Target == image.Layers[1]);
        Assert.Equal(2, problems.Count);

        File.AppendAllText(t.Store.BlobPath(image.Id), " ");
        Assert.Contains(StoreMaintenance.Verify(t.Store), p => p.Kind == "BlobDigestMismatch" && p.Target == image.Id);
    }

    [Fact]
    public void CollectRemovesOnlyWhatNothingReferences()
    {
        using var t = new TempStore();
        var keep = TestImages.Add(t.Store, "keep:1", new TarBuilder().File("shared", "s"));
        var drop = TestImages.Add(t.Store, "drop:1", new TarBuilder().File("shared", "s"), new TarBuilder().File("only-drop", new byte[10_000]));
        var catalog = new ImageCatalog(t.Store);
        var dropImage = catalog.Load(drop);
        Assert.True(catalog.Untag(drop));

        var preview = StoreMaintenance.Collect(t.Store, whatIf: true);
        Assert.False(preview.Removed);
        Assert.Equal(3, preview.BlobCount); // its manifest, config and own layer
        Assert.Contains(dropImage.Layers[1], preview.Blobs);
        Assert.True(preview.BytesFreed > 10_000);
        Assert.True(t.Store.HasBlob(dropImage.Layers[1]));

        var result = StoreMaintenance.Collect(t.Store, whatIf: false);
        Assert.Equal(preview.Blobs, result.Blobs);
        Assert.False(t.Store.HasBlob(dropImage.Layers[1]));
        Assert.False(File.Exists(t.Store.LayerIndexPath(dropImage.Layers[1])));
        Assert.True(t.Store.HasBlob(dropImage.Layers[0]));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
        Assert.Equal("keep:1", catalog.Load(catalog.Resolve("keep:1")).Reference);
        Assert.Equal(0, StoreMaintenance.Collect(t.Store, whatIf: false).BlobCount);
        _ = keep;
    }

    [Fact]
    public void DanglingRemovesUntaggedImagesThatNoContainerUses()
    {
        using var t = new TempStore();
        var first = TestImages.Add(t.Store, "app:1", new TarBuilder().File("v", "1"));
        var second = TestImages.Add(t.Store, "app:1", new TarBuilder().File("v", "2"));
        var third = TestImages.Add(t.Store, "app:1", new TarBuilder().File("v", "3"));
        var catalog = new ImageCatalog(t.Store);
        Assert.Equal(2, catalog.List().Count(i => i.Reference is null));
        var containers = new LayerTools.Core.Containers.ContainerStore(t.Store);
        containers.Create(catalog.List().First(i => i.Manifest.Digest == second.Manifest.Digest), "keeps-second");

        Assert.Empty(StoreMaintenance.Collect(t.Store, whatIf: true).Images);
        var preview = StoreMaintenance.Collect(t.Store, whatIf: true, dangling: true);
        Assert.Equal(new[] { first.Manifest.Digest }, preview.Images);
        Assert.Equal(2, catalog.List().Count(i => i.Reference is null));

        var result = StoreMaintenance.Collect(t.Store, whatIf: false, dangling: true);
        Assert.Equal(preview.Images, result.Images);
        Assert.DoesNotContain(catalog.List(), i => i.Manifest.Digest == first.Manifest.Digest);
        Assert.False(t.Store.HasBlob(first.Manifest.Digest));
        Assert.True(t.Store.HasBlob(second.Manifest.Digest));
        Assert.Equal(third.Manifest.Digest, catalog.Resolve("app:1").Manifest.Digest);
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }
}
