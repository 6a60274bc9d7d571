using System.Formats.Tar;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

/// <summary>The one layer writer, and through it the one tar header writer.</summary>
public sealed class LayerTarWriterTests : IDisposable
{
    private static readonly string LongDir = string.Join('/', Enumerable.Range(0, 30).Select(i => "dir" + i));

    /// <summary>Fits no USTAR header, not even split into prefix and name.</summary>
    private static readonly string VeryLongName = "app/" + string.Join('/', Enumerable.Repeat("directory-name-of-some-length", 12)) + "/file";

    /// <summary>A security.capability value (v2, cap_net_raw): bytes that are not UTF-8 text.</summary>
    private static readonly byte[] Capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    /// <summary>A user attribute holding a NUL, an '=' and invalid UTF-8.</summary>
    private static readonly byte[] Binary = [0xc3, 0x28, 0x00, (byte)'=', 0xff];

    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static byte[] Write(long? epoch = null) => WriteAndIndex(epoch).Bytes;

    private static (byte[] Bytes, LayerIndex Built) WriteAndIndex(long? epoch = null)
    {
        using var ms = new MemoryStream();
        LayerIndex built;
        using (var w = new LayerTarWriter(ms, epoch))
        {
            w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000);
            w.AddWhiteout("app/old");
            w.AddFile("app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123, new MemoryStream(new byte[70_001]), 70_001);
            w.AddHardLink("app/big-link", "app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123);
            w.AddSymlink("app/link", "/" + LongDir + "/target", 0, 0, 1_700_000_000);
            w.AddFile("app/" + LongDir + "/f", 0x1ED, 3_000_000, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1, new Dictionary<string, byte[]> { ["user.note"] = "kept"u8.ToArray() });
            w.AddFile("app/" + LongDir + "/g", 0x1A4, 0, 0, 1_700_000_000, Stream.Null, 0);
            w.AddFile(VeryLongName, 0x180, 0, 7, 1_700_000_000, new MemoryStream("y"u8.ToArray()), 1);
            w.AddFile("app/naïve", 0x1A4, 0, 0, 1_700_000_000, Stream.Null, 0);
            w.AddFile("app/ping", 0x1ED, 0, 0, 1_700_000_000, new MemoryStream("#!"u8.ToArray()), 2, new Dictionary<string, byte[]> { ["security.capability"] = Capability, ["user.bin"] = Binary });
            w.AddDevice("dev/null", EntryType.CharDevice, 0x1B6, 0, 0, 1_700_000_000, 1, 3);
            w.AddDevice("dev/pipe", EntryType.Fifo, 0x1A4, 0, 0, 1_700_000_000);
            w.AddOpaque("var");
            built = w.Finish();
        }

        return (ms.ToArray(), built);
    }

    [Fact]
    public void TheSameInputsGiveTheSameBytes_AlsoInAnotherProcess()
    {
        var first = Write();
        Thread.Sleep(1100);
        Assert.Equal(first, Write());

        // PAX headers are named without the process id (System.Formats.Tar uses PaxHeaders.<pid>), so another process writes the same DiffID.
        var named = TarHeaders.Read(first).Where(h => h.PaxHeaderName is not null).Select(h => h.PaxHeaderName!).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, n => Assert.Contains("PaxHeaders.0/", n, StringComparison.Ordinal));
    }

    [Fact]
    public void WhatItWritesIndexesBackWithEveryField()
    {
        var index = LayerAssert.Index(Write());
        Assert.Equal(
            new[] { "app", "app/old", "app/big.bin", "app/big-link", "app/link", "app/" + LongDir + "/f", "app/" + LongDir + "/g", VeryLongName, "app/naïve", "app/ping", "dev/null", "dev/pipe", "var" },
            index.Entries.Select(e => e.Path));
        Assert.Equal(3_000_000, index.Entries[5].Uid);
        Assert.Equal(EntryType.Whiteout, index.Entries[1].Type);
        Assert.Equal(EntryType.OpaqueWhiteout, index.Entries[12].Type);
        Assert.Equal("/" + LongDir + "/target", index.Entries[4].LinkTarget);
        Assert.Equal(Digest.Of(new byte[70_001]), index.Entries[3].Digest);
        Assert.Equal((EntryType.CharDevice, 1, 3), (index.Entries[10].Type, index.Entries[10].DevMajor, index.Entries[10].DevMinor));
        Assert.Equal(EntryType.Fifo, index.Entries[11].Type);
    }

    [Fact]
    public void TheIndexItBuildsWhileWritingEqualsTheIndexReadBack()
    {
        var (bytes, built) = WriteAndIndex();
        var read = LayerAssert.Index(bytes);
        Assert.Equal(read.DiffId, built.DiffId);
        Assert.Equal(read.Size, built.Size);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(read.ToJson()), System.Text.Encoding.UTF8.GetString(built.ToJson()));

        // The store's copy is written as a stream: the same bytes.
        using var streamed = new MemoryStream();
        built.WriteJson(streamed);
        Assert.Equal(built.ToJson(), streamed.ToArray());
    }

    [Fact]
    public void PaxRecordsAppearOnlyWhereNeededAndNeverAtimeOrCtime()
    {
        var headers = TarHeaders.Read(Write()).ToDictionary(h => h.Path);
        string Keys(string path) => string.Join(",", headers[path].Pax.Keys.Order(StringComparer.Ordinal));

        Assert.Equal("linkpath", Keys("app/link"));
        Assert.Equal("SCHILY.xattr.user.note,path,uid", Keys("app/" + LongDir + "/f")); // a split name goes in the PAX header it has anyway
        Assert.Equal(string.Empty, Keys("app/" + LongDir + "/g")); // alone it fits USTAR split at a '/'
        Assert.Equal("path", Keys(VeryLongName));
        Assert.Equal("path", Keys("app/naïve"));
        Assert.Equal("SCHILY.xattr.security.capability,SCHILY.xattr.user.bin", Keys("app/ping"));
        var plain = new[] { "app/", "app/.wh.old", "app/big.bin", "app/big-link", "dev/null", "dev/pipe", "var/.wh..wh..opq" };
        Assert.All(plain, p => Assert.Empty(headers[p].Pax));
        Assert.All(headers.Values, h => Assert.DoesNotContain(h.Pax.Keys, k => k is "atime" or "ctime" or "mtime"));
        Assert.Equal(3_000_000, int.Parse(System.Text.Encoding.ASCII.GetString(headers["app/" + LongDir + "/f"].Pax["uid"]), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void BinaryExtendedAttributesAreWrittenByteForByte()
    {
        var ping = TarHeaders.Read(Write()).Single(h => h.Path == "app/ping");
        Assert.Equal(Capability, ping.Pax["SCHILY.xattr.security.capability"]);
        Assert.Equal(Binary, ping.Pax["SCHILY.xattr.user.bin"]);
        Assert.Equal("kept"u8.ToArray(), TarHeaders.Read(Write()).Single(h => h.Path.EndsWith("/f", StringComparison.Ordinal)).Pax["SCHILY.xattr.user.note"]);
    }

    [Fact]
    public void GnuTarExtractsTheBinaryExtendedAttributesUnchanged()
    {
        // A value may hold a newline too: the record's length, not the newline, ends it. (System.Formats.Tar's
        // reader splits PAX records at newlines, so only a byte-keeping reader such as GNU tar can check this one.)
        byte[] withNewline = [0x0a, 0x00, 0xff, (byte)'\n', (byte)'='];
        using var ms = new MemoryStream();
        using (var w = new LayerTarWriter(ms))
        {
            w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000);
            w.AddFile("app/ping", 0x1ED, 0, 0, 1_700_000_000, new MemoryStream("#!"u8.ToArray()), 2, new Dictionary<string, byte[]> { ["security.capability"] = Capability, ["user.bin"] = Binary, ["user.newline"] = withNewline });
        }

        // As root (like RUN), so GNU tar may set security.capability.
        var file = _f.PathOf("layer.tar");
        File.WriteAllBytes(file, ms.ToArray());
        Assert.Equal(withNewline, TarHeaders.Read(ms.ToArray())[1].Pax["SCHILY.xattr.user.newline"]);
        var into = _f.PathOf("out");
        Directory.CreateDirectory(into);
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", file, "-C", into);
        var ping = Path.Combine(into, "app/ping");
        Assert.Equal(Capability, LinuxNative.Lgetxattr(ping, "security.capability"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(ping, "user.bin"));
        Assert.Equal(withNewline, LinuxNative.Lgetxattr(ping, "user.newline"));
        Assert.Equal("#!", File.ReadAllText(ping));
    }

    [Fact]
    public void UmociUnpacksItAndSkopeoCopiesIt()
    {
        using var t = new TempStore();
        using (var staging = t.Store.BeginStaging())
        {
            var layer = staging.AddLayer(w =>
            {
                w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000);
                w.AddFile(VeryLongName, 0x180, 3_000_000, 7, 1_700_000_000, new MemoryStream("y"u8.ToArray()), 1);
                w.AddFile("app/naïve", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream("n"u8.ToArray()), 1);
                w.AddFile("app/ping", 0x1ED, 0, 0, 1_700_000_000, new MemoryStream("#!"u8.ToArray()), 2, new Dictionary<string, byte[]> { ["security.capability"] = Capability, ["user.bin"] = Binary, ["user.newline"] = [0x0a, 0xff, 0x0a] });
                w.AddHardLink("app/pong", "app/ping", 0x1ED, 0, 0, 1_700_000_000);
            });
            var config = ConfigDocument.Create(new[] { layer.DiffId }, new[] { new HistoryRecord(null, "tar", null, null, false) }, DateTimeOffset.UnixEpoch);
            var tagged = ImageCatalog.Tagged(ImageWriter.Write(staging, config, new[] { layer }), ImageReference.Parse("tar:1"));
            staging.Commit(d => ImageCatalog.ApplyTag(d, tagged));
        }

        var bundle = _f.PathOf("bundle");
        Tool.Run("umoci", "unpack", "--image", t.Root + ":tar:1", bundle);
        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("y", File.ReadAllText(Path.Combine(rootfs, VeryLongName)));
        Assert.Equal(3_000_000, LinuxNative.Stat(LinuxNative.AtFdCwd, Path.Combine(rootfs, VeryLongName), 0, out _)!.Uid);
        Assert.Equal("n", File.ReadAllText(Path.Combine(rootfs, "app/naïve")));
        Assert.Equal(Capability, LinuxNative.Lgetxattr(Path.Combine(rootfs, "app/ping"), "security.capability"));
        Assert.Equal(Binary, LinuxNative.Lgetxattr(Path.Combine(rootfs, "app/ping"), "user.bin"));

        Tool.Run("skopeo", "copy", "oci:" + t.Root + ":tar:1", "docker-archive:" + _f.PathOf("copy.tar") + ":tar:1");

        // The docker-archive skopeo wrote imports back, attributes byte for byte (a newline in a value included).
        var back = _f.OpenStore("back");
        var imported = LayerTools.Core.Interchange.ImageImporter.Import(back, _f.PathOf("copy.tar"), null).Single();
        var ping = new ImageCatalog(back).Union(imported).Get("app/ping")!.Entry.DecodeXattrs()!;
        Assert.Equal(Capability, ping["security.capability"]);
        Assert.Equal(Binary, ping["user.bin"]);
        Assert.Equal(new byte[] { 0x0a, 0xff, 0x0a }, ping["user.newline"]);
    }

    [Fact]
    public void MtimesAreClampedToSourceDateEpoch()
    {
        var index = LayerAssert.Index(Write(epoch: 1_600_000_000));
        Assert.All(index.Entries.Where(e => !e.IsWhiteout), e => Assert.Equal(1_600_000_000, e.ModifiedTime));
    }

    [Fact]
    public void GnuTarAndSystemFormatsTarReadIt()
    {
        var file = _f.PathOf("layer.tar");
        File.WriteAllBytes(file, Write());
        var listing = Tool.Run("tar", "--numeric-owner", "-tvf", file);
        Assert.Contains("app/big-link link to app/big.bin", listing, StringComparison.Ordinal);
        Assert.Contains("app/.wh.old", listing, StringComparison.Ordinal);
        Assert.Contains("-rw------- 0/7", listing, StringComparison.Ordinal);
        Assert.Contains(VeryLongName, listing, StringComparison.Ordinal);
        Assert.Contains("app/naïve", listing, StringComparison.Ordinal);
        Assert.Contains("app/link -> /" + LongDir + "/target", listing, StringComparison.Ordinal);
        Assert.Contains("3000000/0", listing, StringComparison.Ordinal);
        Assert.Contains("1,3", listing, StringComparison.Ordinal);

        using var reader = new TarReader(new MemoryStream(File.ReadAllBytes(file)));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry() is { } e)
        {
            entries.Add(e);
        }

        Assert.Equal(13, entries.Count);
        Assert.All(entries.Cast<PosixTarEntry>(), e => Assert.Equal(string.Empty, e.UserName));
        Assert.Equal(TarEntryFormat.Ustar, entries[0].Format);
        Assert.Equal((UnixFileMode)0x180, entries.Single(e => e.Name == VeryLongName).Mode);
    }

    [Fact]
    public void AnEmptyLayerIsTheTwoZeroBlocksDockerWrites()
    {
        using var ms = new MemoryStream();
        LayerIndex built;
        using (var w = new LayerTarWriter(ms))
        {
            built = w.Finish();
        }

        Assert.Equal("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", Digest.Of(ms.ToArray()));
        Assert.Equal(built.DiffId, Digest.Of(ms.ToArray()));
        Assert.Empty(LayerAssert.Index(ms.ToArray()).Entries);
    }

    [Fact]
    public void AFileThatShrinksWhileCopiedFailsInsteadOfWritingALie()
    {
        using var ms = new MemoryStream();
        using var w = new LayerTarWriter(ms);
        LayerAssert.Throws("FileChangedWhileCopying", () => w.AddFile("f", 0x1A4, 0, 0, 0, new MemoryStream(new byte[10]), 20));
    }
}
