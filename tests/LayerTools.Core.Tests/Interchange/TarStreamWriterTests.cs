using System.Formats.Tar;
using System.Text;
using LayerTools.Core.Interchange;
using LayerTools.Core.Layers;

namespace LayerTools.Core.Tests.Interchange;

public sealed class TarStreamWriterTests : IDisposable
{
    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static byte[] Write(params (TarRecord Record, byte[]? Data)[] entries)
    {
        var ms = new MemoryStream();
        using (var tar = new TarStreamWriter(ms))
        {
            foreach (var (record, data) in entries)
            {
                tar.Write(record, data is null ? null : new MemoryStream(data));
            }

            tar.Finish();
        }

        return ms.ToArray();
    }

    [Fact]
    public void LongAndNonAsciiNamesAndLargeIds_SurviveInPaxRecordsOnlyWhereNeeded()
    {
        var longName = string.Join('/', Enumerable.Repeat("directory-name-of-some-length", 12)) + "/file";
        var bytes = Write(
            (new TarRecord("short", EntryType.File, 0x1A4, 2, 1_700_000_000), "hi"u8.ToArray()),
            (new TarRecord("dir", EntryType.Directory, 0x1ED, 0, 1_700_000_000), null),
            (new TarRecord(longName, EntryType.File, 0x180, 1, 1_700_000_000, Uid: 3_000_000, Gid: 7), "x"u8.ToArray()),
            (new TarRecord("été/naïve", EntryType.SymbolicLink, 0x1FF, 0, 1_700_000_000, LinkTarget: new string('t', 150)), null),
            (new TarRecord("dev/null", EntryType.CharDevice, 0x1B6, 0, 0, DevMajor: 1, DevMinor: 3), null),
            (new TarRecord("old", EntryType.File, 0x1A4, 0, -86400), null));

        var path = _f.PathOf("t.tar");
        File.WriteAllBytes(path, bytes);
        using var reader = new TarReader(new MemoryStream(bytes));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            entries.Add(e);
        }

        Assert.Equal(["short", "dir/", longName, "été/naïve", "dev/null", "old"], entries.Select(e => e.Name));
        Assert.IsType<UstarTarEntry>(entries[0]);
        Assert.IsType<UstarTarEntry>(entries[1]);
        Assert.Equal(3_000_000, entries[2].Uid);
        Assert.Equal(new string('t', 150), entries[3].LinkName);
        Assert.Equal(1, ((PosixTarEntry)entries[4]).DeviceMajor);
        Assert.Equal(-86400, entries[5].ModificationTime.ToUnixTimeSeconds());
        Assert.Equal((UnixFileMode)0x180, entries[2].Mode);

        // GNU tar reads the same names, modes and owners.
        var listing = Tool.Run("tar", "--numeric-owner", "-tvf", path);
        Assert.Contains("-rw------- 3000000/7", listing);
        Assert.Contains("été/naïve -> " + new string('t', 150), listing);
        Assert.Contains(longName, listing);
    }

    [Fact]
    public void DataOfTheWrongLength_IsRefused()
    {
        var tar = new TarStreamWriter(new MemoryStream());
        var error = Assert.Throws<LayerToolsException>(() => tar.Write(new TarRecord("f", EntryType.File, 0x1A4, 10, 0), new MemoryStream(Encoding.ASCII.GetBytes("short"))));
        Assert.Equal("ContentChanged", error.ErrorId);
        error = Assert.Throws<LayerToolsException>(() => tar.Write(new TarRecord("g", EntryType.File, 0x1A4, 2, 0), new MemoryStream(Encoding.ASCII.GetBytes("too long"))));
        Assert.Equal("ContentChanged", error.ErrorId);
    }

    [Fact]
    public void TheSameRecords_GiveTheSameBytes()
    {
        (TarRecord, byte[]?) entry = (new TarRecord(new string('n', 300), EntryType.File, 0x1A4, 3, 5), "abc"u8.ToArray());
        Assert.Equal(Write(entry), Write(entry));
    }
}
