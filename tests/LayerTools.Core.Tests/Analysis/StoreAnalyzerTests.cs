using LayerTools.Core.Images;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

public sealed class StoreAnalyzerTests
{
    [Fact]
    public void AnEmptyStoreHasNothing()
    {
        using var t = new TempStore();
        var s = StoreAnalyzer.Summarize(t.Store);
        Assert.Equal(0, s.Images);
        Assert.Equal(0, s.Layers);
        Assert.Equal(0, s.Containers);
        Assert.Equal(0, s.CacheEntries);
        Assert.Equal(0, s.BlobBytes);
        Assert.Equal(0, s.ReclaimableBytes);
        Assert.Equal(t.Store.Root, s.ToString());
    }

    [Fact]
    public void TheSummaryCountsImagesLayersContainersCacheAndSharedAndReclaimableBytes()
    {
        using var t = new TempStore();
        var shared = () => new TarBuilder().File("base", new byte[40_000]);
        var web = TestImages.Add(t.Store, "web:1", shared(), new TarBuilder().File("web", "w"));
        TestImages.Add(t.Store, "api:1", shared(), new TarBuilder().File("api", "a"));
        var catalog = new ImageCatalog(t.Store);
        catalog.Tag(web.Manifest, ImageReference.Parse("web:latest"));
        var baseLayer = catalog.Load(web).Layers[0];

        string orphan;
        using (var staging = t.Store.BeginStaging())
        {
            orphan = staging.AddBytes(new byte[12_345]);
            staging.Commit(null);
        }

        Directory.CreateDirectory(Path.Combine(t.Store.DataDir, "containers", "c1", "upper"));
        Directory.CreateDirectory(Path.Combine(t.Store.DataDir, "containers", "c2"));
        Directory.CreateDirectory(Path.Combine(t.Store.DataDir, "cache", "steps", "ab"));
        File.WriteAllText(Path.Combine(t.Store.DataDir, "cache", "steps", "ab", "k1.json"), "{}");
        File.WriteAllText(Path.Combine(t.Store.DataDir, "cache", "steps", "k2.json"), "{}");

        var s = StoreAnalyzer.Summarize(t.Store);

        Assert.Equal(2, s.Images);
        Assert.Equal(3, s.Tags);
        Assert.Equal(3, s.Layers);
        Assert.Equal(2, s.Containers);
        Assert.Equal(2, s.CacheEntries);
        Assert.Equal(t.Store.BlobSize(baseLayer), s.SharedBytes);
        Assert.Equal(1, s.ReclaimableBlobs);
        Assert.Equal(12_345, s.ReclaimableBytes);
        Assert.Equal(t.Store.EnumerateBlobs().Sum(t.Store.BlobSize), s.BlobBytes);
        Assert.True(s.TotalBytes > s.BlobBytes, "the total also counts indexes, index.json and LayerTools' own files");
        Assert.True(t.Store.HasBlob(orphan), "summarizing must not collect anything");
    }
}
