using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Oci;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

/// <summary>Garbage collection and verification with the compressed-layer cache (layertools/compressed/).</summary>
public sealed class CompressedLayerCollectTests
{
    private static (StoredImage Stored, LayeredImage Image, Descriptor Gzipped) ExportedImage(TempStore t)
    {
        var stored = TestImages.Add(t.Store, "app:1", new TarBuilder().File("app/data", new byte[20_000]));
        var image = new ImageCatalog(t.Store).Load(stored);
        ImageExporter.Export(t.Store, [stored], Path.Combine(t.Parent, "app.tar"), ExportFormat.OciArchive, LayerCompression.Gzip);
        var gzipped = CompressedLayerCache.TryGet(t.Store, image.Layers[0], LayerCompression.Gzip)!;
        Assert.NotNull(gzipped);
        return (stored, image, gzipped);
    }

    [Fact]
    public void ACompressedForm_IsKept_WhileAnImageUsesItsLayer_AndVerifyAcceptsIt()
    {
        using var t = new TempStore();
        var (_, image, gzipped) = ExportedImage(t);
        var record = CompressedLayerCache.RecordPath(t.Store, image.Layers[0], LayerCompression.Gzip);

        Assert.Empty(StoreMaintenance.Collect(t.Store, whatIf: true).Blobs);
        var result = StoreMaintenance.Collect(t.Store, whatIf: false);

        Assert.Empty(result.Blobs);
        Assert.True(t.Store.HasBlob(gzipped.Digest));
        Assert.True(File.Exists(record));
        Assert.Equal(gzipped.Digest, CompressedLayerCache.TryGet(t.Store, image.Layers[0], LayerCompression.Gzip)!.Digest);
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }

    [Fact]
    public void ACorruptCompressedBlob_IsFoundByVerify_LikeAnyBlob()
    {
        using var t = new TempStore();
        var (_, _, gzipped) = ExportedImage(t);
        var path = t.Store.BlobPath(gzipped.Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[20] ^= 0x55;
        File.WriteAllBytes(path, bytes);

        var problem = Assert.Single(StoreMaintenance.Verify(t.Store));
        Assert.Equal("BlobDigestMismatch", problem.Kind);
        Assert.Equal(gzipped.Digest, problem.Target);
    }

    [Fact]
    public void ACompressedForm_GoesWithItsLayer_BlobAndRecordTogether()
    {
        using var t = new TempStore();
        var (stored, image, gzipped) = ExportedImage(t);
        var record = CompressedLayerCache.RecordPath(t.Store, image.Layers[0], LayerCompression.Gzip);
        Assert.True(new ImageCatalog(t.Store).Untag(stored));

        var preview = StoreMaintenance.Collect(t.Store, whatIf: true);
        Assert.Contains(gzipped.Digest, preview.Blobs);
        Assert.Contains(image.Layers[0], preview.Blobs);
        Assert.True(File.Exists(record));

        StoreMaintenance.Collect(t.Store, whatIf: false);

        Assert.False(t.Store.HasBlob(gzipped.Digest));
        Assert.False(t.Store.HasBlob(image.Layers[0]));
        Assert.False(File.Exists(record));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }

    [Fact]
    public void ALayerTheBuildCacheNames_KeepsItsCompressedForm()
    {
        using var t = new TempStore();
        var (stored, image, gzipped) = ExportedImage(t);
        new BuildCache(t.Store).Put(Digest.Of("a step"u8), new CacheRecord { DiffId = image.Layers[0], CreatedBy = "COPY . ." });
        Assert.True(new ImageCatalog(t.Store).Untag(stored));

        var result = StoreMaintenance.Collect(t.Store, whatIf: false);

        Assert.DoesNotContain(image.Layers[0], result.Blobs);
        Assert.DoesNotContain(gzipped.Digest, result.Blobs);
        Assert.Contains(image.Id, result.Blobs);
        Assert.True(t.Store.HasBlob(image.Layers[0]));
        Assert.Equal(gzipped.Digest, CompressedLayerCache.TryGet(t.Store, image.Layers[0], LayerCompression.Gzip)!.Digest);
    }

    [Fact]
    public void AnUnreadableRecord_IsRemoved_AndItsBlobIsGarbage()
    {
        using var t = new TempStore();
        var (_, image, gzipped) = ExportedImage(t);
        var record = CompressedLayerCache.RecordPath(t.Store, image.Layers[0], LayerCompression.Gzip);
        File.WriteAllText(record, gzipped.Digest); // the plain-text form an older reader expected

        var result = StoreMaintenance.Collect(t.Store, whatIf: false);

        Assert.Equal([gzipped.Digest], result.Blobs);
        Assert.False(File.Exists(record));
        Assert.True(t.Store.HasBlob(image.Layers[0]));
    }
}
