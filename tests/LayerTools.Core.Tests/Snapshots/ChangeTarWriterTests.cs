using System.Formats.Tar;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Snapshots;

public sealed class ChangeTarWriterTests
{
    private static FileStat Stat(uint format, int mode = 0x1A4, int uid = 0, int gid = 0, long mtime = 1_800_000_000, long size = 0, ulong inode = 1, uint nlink = 1) =>
        new(format | (uint)mode, nlink, uid, gid, inode, size, mtime, 5, mtime, 7, 0, 0, 0, 0);

    private static List<TarEntry> Read(byte[] tar)
    {
        var list = new List<TarEntry>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public void PaxRecordsAreWrittenOnlyForTheFieldsThatNeedThem()
    {
        var longName = "dir/" + new string('n', 120);
        var records = new List<ChangeRecord>
        {
            new() { Path = "dir", Type = EntryType.Directory, Stat = Stat(LinuxNative.SIfDir, 0x1ED) },
            new() { Path = longName, Type = EntryType.SymbolicLink, Stat = Stat(LinuxNative.SIfLnk), LinkTarget = "t" },
            new() { Path = "dir/big-id", Type = EntryType.SymbolicLink, Stat = Stat(LinuxNative.SIfLnk, uid: 3_000_000), LinkTarget = "t" },
            new() { Path = "dir/xattr", Type = EntryType.Directory, Stat = Stat(LinuxNative.SIfDir), Xattrs = new(StringComparer.Ordinal) { ["user.a"] = "1"u8.ToArray() } },
            new() { Path = "dir/gone", Type = EntryType.Whiteout, Stat = Stat(LinuxNative.SIfChr, 0) },
        };
        using var ms = new MemoryStream();
        ChangeTarWriter.Write(records, ms, sourceDateEpoch: 1_700_000_000);
        var entries = Read(ms.ToArray());

        Assert.Equal(new[] { "dir/", "dir/.wh.gone", "dir/big-id", longName, "dir/xattr/" }, entries.Select(e => e.Name));
        Assert.Equal(TarEntryFormat.Ustar, entries[0].Format);
        Assert.Equal(TarEntryFormat.Ustar, entries[1].Format);
        Assert.All(entries, e => Assert.Equal(1_700_000_000, e.ModificationTime.ToUnixTimeSeconds()));
        foreach (var e in entries.Where(e => e.Format == TarEntryFormat.Pax).Cast<PaxTarEntry>())
        {
            Assert.DoesNotContain("atime", e.ExtendedAttributes.Keys);
            Assert.DoesNotContain("ctime", e.ExtendedAttributes.Keys);
        }

        var pax = entries.Where(e => e.Format == TarEntryFormat.Pax).Cast<PaxTarEntry>().ToDictionary(e => e.Name);
        Assert.Equal(new[] { "dir/big-id", longName, "dir/xattr/" }, pax.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("1", pax["dir/xattr/"].ExtendedAttributes["SCHILY.xattr.user.a"]);
        Assert.Equal(3_000_000, pax["dir/big-id"].Uid);
    }

    [Fact]
    public void BinaryExtendedAttributesAreWrittenByteForByte()
    {
        var capability = new byte[] { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        var records = new List<ChangeRecord>
        {
            new() { Path = "ping", Type = EntryType.File, Stat = Stat(LinuxNative.SIfReg, 0x1ED), Xattrs = new(StringComparer.Ordinal) { ["security.capability"] = capability } },
        };
        using var ms = new MemoryStream();
        ChangeTarWriter.Write(records, ms, null);
        var bytes = ms.ToArray();
        var key = "SCHILY.xattr.security.capability="u8.ToArray();
        var at = bytes.AsSpan().IndexOf(key);
        Assert.True(at > 0);
        Assert.Equal(capability, bytes.AsSpan(at + key.Length, capability.Length).ToArray());
        Assert.Equal((byte)'\n', bytes[at + key.Length + capability.Length]);
        var record = System.Text.Encoding.ASCII.GetString(bytes, 512, at - 512);
        Assert.Equal((key.Length + capability.Length + 1 + record.Length).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", record);
        var entry = Assert.Single(Read(bytes));
        Assert.Equal("ping", entry.Name);
        Assert.Equal(TarEntryFormat.Pax, entry.Format);
    }

    [Fact]
    public void AnEmptyLayerIsTheTwoZeroBlocksDockerWrites()
    {
        using var ms = new MemoryStream();
        ChangeTarWriter.Write(Array.Empty<ChangeRecord>(), ms, null);
        Assert.Equal("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", Digests.Digest.Of(ms.ToArray()));
        Assert.Empty(LayerAssert.Index(ms.ToArray()).Entries);
    }
}
