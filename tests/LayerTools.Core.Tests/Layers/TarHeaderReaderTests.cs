using System.Text;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

/// <summary>The one tar reader, on tars GNU tar writes and on crafted damage.</summary>
public sealed class TarHeaderReaderTests : IDisposable
{
    private static readonly string LongDir = new('d', 120);

    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private string Source()
    {
        var src = _f.PathOf("src");
        if (!Directory.Exists(src))
        {
            Directory.CreateDirectory(Path.Combine(src, LongDir));
            File.WriteAllText(Path.Combine(src, LongDir, "f"), "hi\n");
            File.CreateSymbolicLink(Path.Combine(src, "lnk"), "/" + LongDir + "/" + new string('t', 90));
            using (var sparse = File.Create(Path.Combine(src, "sparse")))
            {
                sparse.SetLength(2 << 20);
                sparse.Seek(0, SeekOrigin.End);
                sparse.WriteByte((byte)'x');
            }

            File.SetLastWriteTimeUtc(Path.Combine(src, "sparse"), new DateTime(2023, 11, 14, 22, 13, 20, 500, DateTimeKind.Utc));
        }

        return src;
    }

    private byte[] GnuTar(string member, params string[] options)
    {
        var file = _f.PathOf(Guid.NewGuid().ToString("N") + ".tar");
        Tool.Run("tar", [.. options, "-cf", file, "-C", Source(), member]);
        return File.ReadAllBytes(file);
    }

    private static List<(TarEntryHeader Header, byte[] Data)> ReadAll(byte[] tar, bool seekable = false)
    {
        using var stream = seekable ? new MemoryStream(tar) : (Stream)new ForwardOnly(tar);
        var reader = new TarHeaderReader(stream, "test.tar");
        var result = new List<(TarEntryHeader, byte[])>();
        while (reader.Next() is { } h)
        {
            // Read only the files' data: the reader skips the rest.
            using var ms = new MemoryStream();
            if (h.EntryType == EntryType.File)
            {
                h.Data.CopyTo(ms);
            }

            result.Add((h, ms.ToArray()));
        }

        return result;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GnuLongNamesLongLinksAndBase256IdsAreRead(bool seekable)
    {
        var tar = GnuTar(".", "--format=gnu", "--owner=u:3000000", "--group=g:7");
        var entries = ReadAll(tar, seekable);
        var file = entries.Single(e => e.Header.Name == "./" + LongDir + "/f");
        Assert.Equal("hi\n"u8.ToArray(), file.Data);
        Assert.Equal(3_000_000, file.Header.Uid);
        Assert.Equal(7, file.Header.Gid);
        Assert.Equal("hi\n"u8.ToArray(), tar.AsSpan((int)file.Header.DataOffset, 3).ToArray());
        var link = entries.Single(e => e.Header.Name == "./lnk").Header;
        Assert.Equal('2', link.TypeFlag);
        Assert.Equal("/" + LongDir + "/" + new string('t', 90), link.LinkName);
        Assert.Contains(entries, e => e.Header.Name == "./" + LongDir + "/" && e.Header.EntryType == EntryType.Directory);
    }

    [Fact]
    public void PosixTarsWithFractionalTimesAndGlobalHeadersIndex()
    {
        var tar = GnuTar("sparse", "--format=pax", "--pax-option=comment=a global record");
        Assert.Equal((byte)'g', tar[156]);
        var index = LayerAssert.Index(tar);
        var sparse = index.Entries.Single();
        Assert.Equal("sparse", sparse.Path);
        Assert.Equal((2 << 20) + 1, sparse.Size);
        Assert.Equal(1_700_000_000, sparse.ModifiedTime);
    }

    [Theory]
    [InlineData("--format=gnu")]
    [InlineData("--format=pax")]
    public void SparseFilesAreRefusedClearly(string format)
    {
        var tar = GnuTar("sparse", format, "--sparse");
        var error = LayerAssert.Throws("SparseTarEntry", () => LayerAssert.Index(tar));
        Assert.Contains("--sparse", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderWithAWrongChecksumIsACorruptLayer()
    {
        var tar = Layer(w => w.AddFile("abc", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1));
        tar[0] = (byte)'x';
        var error = LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APaxRecordWhoseLengthIsWrongIsACorruptLayer()
    {
        var tar = Layer(w => w.AddFile("f", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1, new Dictionary<string, byte[]> { ["user.a"] = "value"u8.ToArray() }));
        var at = tar.AsSpan().IndexOf(" SCHILY.xattr.user.a=value\n"u8);
        Assert.Equal((byte)'9', tar[at - 1]);
        tar[at - 1] = (byte)'8'; // "28": the record's last byte is then 'e', not its newline
        LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar));
    }

    [Fact]
    public void Base256NumbersAreReadAndNegativeIdsRefused()
    {
        var tar = Layer(w => w.AddFile("f", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1));
        SetField(tar, 108, [0x80, 0, 0, 0, 0, 0x2d, 0xc6, 0xc0]);
        Assert.Equal(3_000_000, LayerAssert.Index(tar).Entries.Single().Uid);
        SetField(tar, 108, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]);
        LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar));
    }

    [Fact]
    public void NamesOver64KiBAreRefused()
    {
        var name = string.Join('/', Enumerable.Repeat(new string('n', 200), 340));
        var tar = Layer(w => w.AddFile(name, 0x1A4, 0, 0, 1_700_000_000, Stream.Null, 0));
        LayerAssert.Throws("TarNameTooLong", () => LayerAssert.Index(tar));
    }

    [Fact]
    public void DataCutShortIsACorruptLayerAndZeroBlocksAreOptional()
    {
        var tar = Layer(w => w.AddFile("f", 0x1A4, 0, 0, 1_700_000_000, new MemoryStream(new byte[2000]), 2000));
        LayerAssert.Throws("CorruptLayer", () => LayerAssert.Index(tar[..1500]));
        LayerAssert.Throws("CorruptLayer", () => ReadAllAsLayer(tar[..1500], seekable: true));
        var withoutEnd = tar[..(512 + 2048)];
        Assert.Single(LayerAssert.Index(withoutEnd).Entries);
        Assert.Empty(LayerAssert.Index([]).Entries);
    }

    private static void ReadAllAsLayer(byte[] tar, bool seekable)
    {
        try
        {
            ReadAll(tar, seekable);
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptLayer", ErrorKind.InvalidData, ex.Message);
        }
    }

    private static byte[] Layer(Action<LayerTarWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new LayerTarWriter(ms))
        {
            write(w);
        }

        return ms.ToArray();
    }

    /// <summary>Overwrites a field of the first header and fixes its checksum.</summary>
    private static void SetField(byte[] tar, int offset, byte[] value)
    {
        value.CopyTo(tar, offset);
        tar.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        for (var i = 0; i < 512; i++)
        {
            sum += tar[i];
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
    }

    /// <summary>A stream that cannot seek, as a decompressor or a hashing tee is.</summary>
    private sealed class ForwardOnly(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
