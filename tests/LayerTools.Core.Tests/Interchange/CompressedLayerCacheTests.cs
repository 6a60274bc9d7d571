using LayerTools.Core.Digests;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Interchange;

/// <summary>
/// A layer compressed into the store with a second copy flushed to disk alongside (an export to an OCI
/// layout): the store's record of it is made only after both flushes ended, and a failed second flush
/// keeps nothing.
/// </summary>
public sealed class CompressedLayerCacheTests : IDisposable
{
    private readonly InterchangeFixture _f = new();
    private readonly string _diffId;

    public CompressedLayerCacheTests()
    {
        var archive = _f.PathOf("source.tar");
        var image = new SampleImage();
        Archives.PlainDockerArchive(image, ["app:1"]).Save(archive);
        ImageImporter.Import(_f.Store, archive, null);
        File.Delete(archive);
        _diffId = image.DiffIds[0];
    }

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public void TheRecord_IsMadeOnlyAfterTheFlushAlongside_WithTheBytesBothGot(LayerCompression compression)
    {
        using var copy = new MemoryStream();
        var recordedDuringFlush = true;
        var layer = CompressedLayerCache.Create(_f.Store, _diffId, compression, copy, null, CancellationToken.None, syncAlongside: () =>
        {
            Thread.Sleep(200);
            recordedDuringFlush = File.Exists(CompressedLayerCache.RecordPath(_f.Store, _diffId, compression));
        });

        Assert.False(recordedDuringFlush);
        var remembered = CompressedLayerCache.TryGet(_f.Store, _diffId, compression)!;
        Assert.Equal((layer.Digest, layer.Size), (remembered.Digest, remembered.Size));
        Assert.Equal(layer.Digest, Digest.Of(copy.ToArray()));
        Assert.Equal(File.ReadAllBytes(_f.Store.BlobPath(layer.Digest)), copy.ToArray());
    }

    [Fact]
    public void AFailedFlushAlongside_IsThrown_AndKeepsNothing()
    {
        var before = InterchangeFixture.Snapshot(_f.Store);

        var error = Assert.Throws<IOException>(() => CompressedLayerCache.Create(_f.Store, _diffId, LayerCompression.Gzip, Stream.Null, null, CancellationToken.None, syncAlongside: () => throw new IOException("disk full")));

        Assert.Equal("disk full", error.Message);
        Assert.Null(CompressedLayerCache.TryGet(_f.Store, _diffId, LayerCompression.Gzip));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Store.TmpDir));
        Assert.Equal(before, InterchangeFixture.Snapshot(_f.Store));
    }
}
