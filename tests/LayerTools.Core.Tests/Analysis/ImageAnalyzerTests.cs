using LayerTools.Core.Analysis;
using LayerTools.Core.Images;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

public sealed class ImageAnalyzerTests
{
    private const int MiB = 1024 * 1024;

    private static byte[] Bytes(int count, byte fill)
    {
        var b = new byte[count];
        Array.Fill(b, fill);
        return b;
    }

    [Fact]
    public void ALayerThatOverwritesA10MBFileWastesExactly10MB()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "app:1",
            new TarBuilder().Dir("app").File("app/big", Bytes(10 * MiB, 1)).File("app/keep", Bytes(MiB, 2)),
            new TarBuilder().Dir("app").File("app/big", Bytes(10 * MiB, 3)));

        var a = ImageAnalyzer.Analyze(t.Store, image);
        var layers = new ImageCatalog(t.Store).Load(image).Layers;

        Assert.Equal(10L * MiB, a.WastedBytes);
        Assert.Equal(2, a.LayerCount);
        Assert.Equal(21L * MiB, a.FileBytes);
        var path = Assert.Single(a.WastedPaths);
        Assert.Equal("/app/big", path.LayerPath);
        Assert.Equal(10L * MiB, path.WastedBytes);
        Assert.Equal(new[] { 0, 1 }, path.LayerIndexes);
        Assert.Equal(layers, path.DiffIds);
        Assert.Equal(2, path.Count);
        Assert.False(path.Removed);

        // dive: /app/big has copies of 10 and 10 MiB (smallest 10), /app/keep one of 1 MiB; its wasted bytes count both copies.
        Assert.Equal(11.0 / 21.0, a.Efficiency, 12);
        Assert.Equal(20L * MiB, a.InefficientBytes);
    }

    [Fact]
    public void AWhiteoutOfA5MBFileWastes5MB()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "app:1",
            new TarBuilder().File("data", Bytes(5 * MiB, 1)).File("other", Bytes(MiB, 2)),
            new TarBuilder().Whiteout("data"));

        var a = ImageAnalyzer.Analyze(t.Store, image);

        Assert.Equal(5L * MiB, a.WastedBytes);
        var path = Assert.Single(a.WastedPaths);
        Assert.Equal("/data", path.LayerPath);
        Assert.True(path.Removed);
        Assert.Equal(new[] { 0, 1 }, path.LayerIndexes);

        // dive: /data has a 5 MiB copy and a 0-byte whiteout (smallest 0), /other 1 MiB: 1 / 6.
        Assert.Equal(1.0 / 6.0, a.Efficiency, 12);
        Assert.Equal(5L * MiB, a.InefficientBytes);
    }

    [Fact]
    public void EfficiencyOfAThreeLayerImageMatchesTheHandComputedScore()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "calc:1",
            new TarBuilder().File("a", Bytes(100, 1)).File("b", Bytes(200, 2)),
            new TarBuilder().File("a", Bytes(300, 3)).File("c", Bytes(50, 4)),
            new TarBuilder().Whiteout("b"));

        var a = ImageAnalyzer.Analyze(t.Store, image);

        // Per path (sum of copies / smallest copy): a 400/100, b 200/0 (file, then whiteout), c 50/50.
        Assert.Equal(150.0 / 650.0, a.Efficiency, 12);
        Assert.Equal(600, a.InefficientBytes); // a and b appear in two layers: all their copies
        Assert.Equal(650, a.FileBytes);
        Assert.Equal(300, a.WastedBytes); // the 100-byte a under the 300-byte one, and the deleted b
        Assert.Equal(new[] { "/b", "/a" }, a.WastedPaths.Select(p => p.LayerPath));
        Assert.Equal(new long[] { 200, 100 }, a.WastedPaths.Select(p => p.WastedBytes));
        Assert.Equal(new[] { 0, 2 }, a.WastedPaths[0].LayerIndexes);
        Assert.Equal(new[] { 0, 1 }, a.WastedPaths[1].LayerIndexes);
    }

    [Fact]
    public void DeletingADirectoryWastesItsFilesUnderTheDirectoryPath()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "apt:1",
            new TarBuilder().Dir("var").Dir("var/cache").File("var/cache/a", Bytes(2 * MiB, 1)).File("var/cache/b", Bytes(3 * MiB, 2)).File("keep", Bytes(MiB, 3)),
            new TarBuilder().Dir("var").Whiteout("var/cache"));

        var a = ImageAnalyzer.Analyze(t.Store, image);

        Assert.Equal(5L * MiB, a.WastedBytes);
        var path = Assert.Single(a.WastedPaths);
        Assert.Equal("/var/cache", path.LayerPath);
        Assert.True(path.Removed);

        // dive books a directory's whiteout at the size of what it deletes, and the deleted files once each,
        // so no path has two copies: the score stays 1 (a known blind spot of dive's rule, kept for parity).
        Assert.Equal(1.0, a.Efficiency, 12);
        Assert.Equal(0, a.InefficientBytes);
    }

    [Fact]
    public void AnOpaqueDirectoryAndAFileReplacedByADirectoryWasteWhatTheyHide()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "opq:1",
            new TarBuilder().Dir("d").File("d/x", Bytes(MiB, 1)).File("p", Bytes(4 * MiB, 2)),
            new TarBuilder().Opaque("d").Dir("d").File("d/y", Bytes(2 * MiB, 3)).Dir("p").File("p/q", Bytes(10, 4)));

        var a = ImageAnalyzer.Analyze(t.Store, image);

        Assert.Equal(5L * MiB, a.WastedBytes);
        Assert.Equal(new[] { "/p", "/d" }, a.WastedPaths.Select(p => p.LayerPath));
        Assert.Equal(new[] { 4L * MiB, MiB }, a.WastedPaths.Select(p => p.WastedBytes));
        Assert.All(a.WastedPaths, p => Assert.False(p.Removed));
    }

    [Fact]
    public void AnImageWithoutWasteIsFullyEfficientAndTopLimitsThePaths()
    {
        using var t = new TempStore();
        var clean = TestImages.Add(t.Store, "clean:1", new TarBuilder().File("a", "a"), new TarBuilder().File("b", "bb"));
        var a = ImageAnalyzer.Analyze(t.Store, clean);
        Assert.Equal(0, a.WastedBytes);
        Assert.Equal(1.0, a.Efficiency);
        Assert.Empty(a.WastedPaths);
        Assert.Equal("clean:1", a.ToString());
        Assert.Equal(new ImageCatalog(t.Store).Load(clean).Size, a.Size);

        var messy = TestImages.Add(t.Store, "messy:1",
            new TarBuilder().File("x", Bytes(30, 1)).File("y", Bytes(20, 1)).File("z", Bytes(10, 1)),
            new TarBuilder().File("x", "1").File("y", "2").File("z", "3"));
        var top2 = ImageAnalyzer.Analyze(t.Store, messy, top: 2);
        Assert.Equal(60, top2.WastedBytes);
        Assert.Equal(new[] { "/x", "/y" }, top2.WastedPaths.Select(p => p.LayerPath));
    }

    [Fact]
    public void SharedAndUniqueSizesCountLayersUsedByOtherImages()
    {
        using var t = new TempStore();
        var baseLayer = () => new TarBuilder().Dir("usr").File("usr/lib.so", Bytes(50_000, 7));
        var web = TestImages.Add(t.Store, "web:1", baseLayer(), new TarBuilder().File("web", Bytes(20_000, 1)));
        var api = TestImages.Add(t.Store, "api:1", baseLayer(), new TarBuilder().File("api", Bytes(30_000, 2)));
        var alone = TestImages.Add(t.Store, "alone:1", new TarBuilder().File("solo", Bytes(1_000, 3)));
        var catalog = new ImageCatalog(t.Store);
        var webLayers = catalog.Load(web).Layers;
        var apiLayers = catalog.Load(api).Layers;
        Assert.Equal(webLayers[0], apiLayers[0]);

        var results = ImageAnalyzer.Analyze(t.Store, new[] { web, api, alone });

        var baseSize = t.Store.BlobSize(webLayers[0]);
        Assert.Equal(baseSize, results[0].SharedSize);
        Assert.Equal(t.Store.BlobSize(webLayers[1]), results[0].UniqueSize);
        Assert.Equal(baseSize, results[1].SharedSize);
        Assert.Equal(t.Store.BlobSize(apiLayers[1]), results[1].UniqueSize);
        Assert.Equal(0, results[2].SharedSize);
        Assert.Equal(results[2].Size, results[2].UniqueSize);
        Assert.All(results, r => Assert.Equal(r.Size, r.SharedSize + r.UniqueSize));

        // A second tag of the same image is not another image: its layers stay unique.
        catalog.Tag(alone.Manifest, ImageReference.Parse("alone:2"));
        Assert.Equal(0, ImageAnalyzer.Analyze(t.Store, alone).SharedSize);
    }
}
