using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Layers;

/// <summary>
/// A layer scanned without the layers below it (as a pull reads its layers side by side) and resolved
/// over them afterwards gives the same index, byte for byte, as indexing it over them at once.
/// </summary>
public sealed class LayerScanTests
{
    private static readonly byte[] Lower = new TarBuilder()
        .Dir("usr/lib")
        .Symlink("lib", "usr/lib")
        .File("usr/lib/libc.so", "elf v1")
        .File("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .ToArray();

    /// <summary>Paths beneath a lower symlink, a hard link into the lower layer and into this one, a duplicate, whiteouts, an opaque directory, aufs metadata.</summary>
    private static readonly byte[] Upper = new TarBuilder()
        .File("lib/libm.so", "math")
        .HardLink("etc/passwd.bak", "etc/passwd")
        .File("data/a", "first a")
        .HardLink("data/b", "data/a")
        .File("data/a", "second a, longer than the first")
        .Whiteout("usr/lib/libc.so")
        .Opaque("etc")
        .File(".wh..wh.plnk/1", "aufs")
        .File("lib/sub/deep", new byte[200_000])
        .ToArray();

    [Fact]
    public void AScanResolvedOverTheLayersBelowIsTheIndexMadeAtOnce()
    {
        var lower = UnionView.Build([LayerAssert.Index(Lower)]);
        var atOnce = LayerAssert.Index(Upper, lower);

        using var sink = new MemoryStream();
        var scan = LayerIndexer.Scan(new MemoryStream(Upper), sink, "test.tar");
        var resolved = scan.Resolve(lower);

        Assert.Equal(Upper, sink.ToArray());
        Assert.Equal(Digest.Of(Upper), scan.DiffId);
        Assert.Equal(Encoding.UTF8.GetString(atOnce.ToJson()), Encoding.UTF8.GetString(resolved.ToJson()));
        Assert.Contains(resolved.Entries, e => e.Path == "usr/lib/libm.so" && e.Digest == Digest.Of("math"u8));
        Assert.Contains(resolved.Entries, e => e.Path == "etc/passwd.bak" && e.Digest == Digest.Of("root:x:0:0::/root:/bin/sh\n"u8));
        Assert.All(resolved.Entries.Where(e => e.IsWhiteout), e => Assert.Null(e.Digest));
    }

    [Fact]
    public void TheLayersNamesAreCheckedWhenTheScanIsResolved()
    {
        var escape = new TarBuilder().HardLink("x", "etc/shadow").ToArray();
        var scan = LayerIndexer.Scan(new MemoryStream(escape), Stream.Null, "test.tar");
        LayerAssert.Throws("HardLinkOutsideLayers", () => scan.Resolve(null));
        LayerAssert.Throws("HardLinkOutsideLayers", () => LayerAssert.Index(escape));
    }

    [Fact]
    public void AScanThatReadsPastADamagedTarHasTheDigestOfEveryByte()
    {
        var tar = new TarBuilder().File("a", new byte[4096]).File("b", "b").ToArray();
        tar[148] ^= 0x01; // the first header's checksum
        var scan = LayerIndexer.Scan(new MemoryStream(tar), Stream.Null, "test.tar", readPastCorruption: true);
        Assert.Equal(Digest.Of(tar), scan.DiffId);
        Assert.Equal(tar.Length, scan.Size);
        Assert.Equal("CorruptLayer", scan.Failure?.ErrorId);
        LayerAssert.Throws("CorruptLayer", () => scan.Resolve(null));
        LayerAssert.Throws("CorruptLayer", () => LayerIndexer.Scan(new MemoryStream(tar), Stream.Null, "test.tar"));
    }

    [Fact]
    public void AScanHoldsNoMoreEntriesThanTheLimit()
    {
        var tar = new TarBuilder().File("a", "1").File("a", "2").File("a", "3").ToArray();
        LayerAssert.Throws("TooManyEntries", () => LayerIndexer.Scan(new MemoryStream(tar), Stream.Null, "test.tar", new IngestLimits { MaxEntries = 2 }));
    }
}
