using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

public sealed class LayerIndexerTests
{
    [Fact]
    public void OnePassGivesTheDiffIdAnExactCopyAndDataOffsets()
    {
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        var tar = new TarBuilder()
            .Dir("etc")
            .File("etc/os-release", "ID=test\n")
            .File("usr/lib/" + new string('x', 150) + "/long-name.bin", big, mode: 0x1ED, uid: 1000, gid: 1001)
            .ToArray();

        using var input = new MemoryStream(tar);
        using var sink = new MemoryStream();
        var index = LayerIndexer.Ingest(input, sink, "t.tar");

        Assert.Equal(tar, sink.ToArray());
        Assert.Equal(Digest.Of(tar), index.DiffId);
        Assert.Equal(tar.Length, index.Size);
        Assert.Equal(3, index.Entries.Count);

        var bin = index.Entries[2];
        Assert.Equal("usr/lib/" + new string('x', 150) + "/long-name.bin", bin.Path);
        Assert.Equal(EntryType.File, bin.Type);
        Assert.Equal(0x1ED, bin.Mode);
        Assert.Equal(1000, bin.Uid);
        Assert.Equal(1001, bin.Gid);
        Assert.Equal(big.Length, bin.Size);
        Assert.Equal(Digest.Of(big), bin.Digest);
        Assert.Equal(big, tar.AsSpan((int)bin.Offset, big.Length).ToArray());

        var release = index.Entries[1];
        Assert.Equal("ID=test\n", Encoding.UTF8.GetString(tar, (int)release.Offset, (int)release.Size));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), release.ModifiedTime);
    }

    [Theory]
    [InlineData("./etc/passwd", "etc/passwd")]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("//etc//./passwd", "etc/passwd")]
    [InlineData("etc/../etc/passwd", "etc/passwd")]
    public void NamesAreCleanedAndMadeRelative(string name, string expected)
    {
        var index = LayerAssert.Index(new TarBuilder().File(name, "x").ToArray());
        Assert.Equal(expected, Assert.Single(index.Entries).Path);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("./../../etc/passwd")]
    public void NamesThatClimbOutAreRefused(string name)
    {
        var ex = LayerAssert.Throws("PathTraversal", () => LayerAssert.Index(new TarBuilder().File(name, "x").ToArray()));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.SecurityError, ex.Kind);
    }

    [Fact]
    public void ADuplicateEntryIsTakenAsTheLastOne()
    {
        var index = LayerAssert.Index(new TarBuilder().File("a", "first").File("b", "b").File("./a", "second").ToArray());
        Assert.Equal(new[] { "a", "b" }, index.Entries.Select(e => e.Path));
        Assert.Equal(Digest.Of(Encoding.UTF8.GetBytes("second")), index.Entries[0].Digest);
    }

    [Fact]
    public void WhiteoutsAreRecordedByThePathTheyHide()
    {
        var index = LayerAssert.Index(new TarBuilder().Whiteout("etc/gone").Opaque("var/cache").File(".wh..wh.plnk/123", "").ToArray());
        Assert.Collection(
            index.Entries,
            e => { Assert.Equal("etc/gone", e.Path); Assert.Equal(EntryType.Whiteout, e.Type); },
            e => { Assert.Equal("var/cache", e.Path); Assert.Equal(EntryType.OpaqueWhiteout, e.Type); });
        Assert.Equal(0, index.FileCount);
    }

    [Theory]
    [InlineData("etc/.wh.")]
    [InlineData(".wh..")]
    [InlineData("a/.wh...")]
    public void InvalidWhiteoutsAreRefused(string name)
    {
        LayerAssert.Throws("InvalidWhiteout", () => LayerAssert.Index(new TarBuilder().File(name, "").ToArray()));
    }

    [Theory]
    [InlineData("./")]
    [InlineData("/")]
    [InlineData(".")]
    public void AnEntryThatWouldReplaceTheRootIsRefused(string name)
    {
        LayerAssert.Throws("RootTypeChange", () => LayerAssert.Index(new TarBuilder().File(name, "not a dir").ToArray()));
        Assert.Equal(string.Empty, LayerAssert.Index(new TarBuilder().Dir(name).ToArray()).Entries.Single().Path);
    }

    [Fact]
    public void AHardLinkMustPointAtAFileAlreadySeen()
    {
        var ok = LayerAssert.Index(new TarBuilder().File("bin/busybox", "elf").HardLink("bin/sh", "bin/busybox").ToArray());
        var link = ok.Entries[1];
        Assert.Equal(EntryType.HardLink, link.Type);
        Assert.Equal("bin/busybox", link.LinkTarget);
        Assert.Equal(ok.Entries[0].Digest, link.Digest);

        LayerAssert.Throws("HardLinkOutsideLayers", () => LayerAssert.Index(new TarBuilder().HardLink("shadow", "/etc/shadow").ToArray()));
        LayerAssert.Throws("PathTraversal", () => LayerAssert.Index(new TarBuilder().HardLink("x", "../../etc/passwd").ToArray()));
        LayerAssert.Throws("HardLinkOutsideLayers", () => LayerAssert.Index(new TarBuilder().HardLink("a", "b").File("b", "later").ToArray()));
    }

    [Fact]
    public void APathBeneathASymlinkResolvesInsideTheRoot()
    {
        var index = LayerAssert.Index(new TarBuilder()
            .Dir("etc")
            .Symlink("escape", "/etc")
            .Symlink("up", "../../../../etc")
            .File("escape/passwd", "root:x:0:0")
            .File("up/group", "root:x:0:")
            .ToArray());

        Assert.Equal(new[] { "etc", "escape", "up", "etc/passwd", "etc/group" }, index.Entries.Select(e => e.Path));
    }

    [Fact]
    public void APathBeneathALowerSymlinkResolvesThroughTheLowerLayer()
    {
        var lower = LayerTools.Core.Union.UnionView.Build(new[] { LayerAssert.Index(new TarBuilder().Dir("usr/lib").Symlink("lib", "usr/lib").ToArray()) });
        var index = LayerAssert.Index(new TarBuilder().File("lib/libc.so", "elf").ToArray(), lower);
        Assert.Equal("usr/lib/libc.so", index.Entries.Single().Path);
    }

    [Fact]
    public void ATruncatedTarIsACorruptLayer()
    {
        var tar = new TarBuilder().File("a", new byte[4096]).File("b", "b").ToArray();
        LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar[..1000]));
    }

    [Fact]
    public void BytesThatAreNotATarAreACorruptLayer()
    {
        var junk = new byte[2048];
        new Random(3).NextBytes(junk);
        LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(junk));
    }

    [Fact]
    public void AnOversizedPaxHeaderIsRefusedBeforeItIsBuffered()
    {
        var attrs = new Dictionary<string, string> { ["comment"] = new string('a', 64 * 1024) };
        var tar = new TarBuilder().Entry(new PaxTarEntry(TarEntryType.RegularFile, "f", attrs)).ToArray();
        LayerAssert.Throws("TarHeaderTooLarge", () => LayerAssert.Index(tar, limits: new IngestLimits { MaxHeaderBytes = 16 * 1024 }));
        Assert.Single(LayerAssert.Index(tar).Entries);
    }

    [Fact]
    public void EntryAndSizeCapsAreEnforced()
    {
        var tar = new TarBuilder().File("a", "1").File("b", "2").File("c", "3").ToArray();
        LayerAssert.Throws("TooManyEntries", () => LayerAssert.Index(tar, limits: new IngestLimits { MaxEntries = 2 }));
        LayerAssert.Throws("SizeLimitExceeded", () => LayerAssert.Index(tar, limits: new IngestLimits { MaxLayerBytes = 1024 }));
    }

    [Fact]
    public void TheSizeCapNamesTheArchiveAndTheEntry_AndWhatSetsIt()
    {
        var tar = new TarBuilder(TarEntryFormat.Ustar).File("small", "1").File("usr/big", new byte[1 << 20]).ToArray();
        var ex = LayerAssert.Throws("SizeLimitExceeded", () => LayerAssert.Index(tar, limits: new IngestLimits { MaxLayerBytes = 256 * 1024 }));
        Assert.True(ex.Message.Contains("'test.tar'", StringComparison.Ordinal), ex.Message);
        Assert.Contains("entry 'usr/big'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("262144 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains(IngestLimits.MaxLayerBytesVariable, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableHeaderNamesTheEntryBeforeIt()
    {
        var tar = new TarBuilder(TarEntryFormat.Ustar).File("first", "1").File("second", "2").ToArray();
        tar[1024 + 148] = (byte)'9'; // the second header's checksum
        var ex = LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar));
        Assert.True(ex.Message.Contains("'test.tar'", StringComparison.Ordinal), ex.Message);
        Assert.Contains("entry 'first'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UstarAndGnuTarsIndexAlike()
    {
        foreach (var format in new[] { TarEntryFormat.Ustar, TarEntryFormat.Gnu, TarEntryFormat.Pax })
        {
            var index = LayerAssert.Index(new TarBuilder(format).Dir("d").File("d/f", "hello").Symlink("l", "d/f").ToArray());
            Assert.Equal(new[] { EntryType.Directory, EntryType.File, EntryType.SymbolicLink }, index.Entries.Select(e => e.Type));
            Assert.Equal(Convert.ToHexString(SHA256.HashData("hello"u8)).ToLowerInvariant(), index.Entries[1].Digest![7..]);
        }
    }

    [Fact]
    public void AnEmptyStreamIsAnEmptyLayer()
    {
        var index = LayerAssert.Index(Array.Empty<byte>());
        Assert.Empty(index.Entries);
        Assert.Equal(Digest.Of(ReadOnlySpan<byte>.Empty), index.DiffId);
    }
}
