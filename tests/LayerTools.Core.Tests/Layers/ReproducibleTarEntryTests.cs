using System.Formats.Tar;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Interchange;

namespace LayerTools.Core.Tests.Layers;

public sealed class ReproducibleTarEntryTests : IDisposable
{
    private readonly InterchangeFixture _f = new();

    public void Dispose() => _f.Dispose();

    private static byte[] Write(params (PosixTarEntry Entry, byte[]? Data)[] entries)
    {
        var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (entry, data) in entries)
            {
                if (data is not null)
                {
                    entry.DataStream = new MemoryStream(data);
                }

                tar.WriteEntry(entry);
            }
        }

        return ms.ToArray();
    }

    [Fact]
    public void LongAndNonAsciiNamesAndLargeIds_SurviveInPaxRecordsOnlyWhereNeeded()
    {
        var longName = string.Join('/', Enumerable.Repeat("directory-name-of-some-length", 12)) + "/file";
        var device = ReproducibleTarEntry.Create(TarEntryType.CharacterDevice, "dev/null", 0x1B6, 0, 0, 0);
        device.DeviceMajor = 1;
        device.DeviceMinor = 3;
        var bytes = Write(
            (ReproducibleTarEntry.Create(TarEntryType.RegularFile, "short", 0x1A4, 0, 0, 1_700_000_000, 2), "hi"u8.ToArray()),
            (ReproducibleTarEntry.Create(TarEntryType.Directory, "dir/", 0x1ED, 0, 0, 1_700_000_000), null),
            (ReproducibleTarEntry.Create(TarEntryType.RegularFile, longName, 0x180, 3_000_000, 7, 1_700_000_000, 1), "x"u8.ToArray()),
            (ReproducibleTarEntry.Create(TarEntryType.SymbolicLink, "été/naïve", 0x1FF, 0, 0, 1_700_000_000, linkName: new string('t', 150)), null),
            (device, null));

        var path = _f.PathOf("t.tar");
        File.WriteAllBytes(path, bytes);
        using var reader = new TarReader(new MemoryStream(bytes));
        var entries = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            entries.Add(e);
        }

        Assert.Equal(["short", "dir/", longName, "été/naïve", "dev/null"], entries.Select(e => e.Name));
        Assert.IsType<UstarTarEntry>(entries[0]);
        Assert.IsType<UstarTarEntry>(entries[1]);
        Assert.IsType<PaxTarEntry>(entries[2]);
        Assert.IsType<UstarTarEntry>(entries[4]);
        Assert.Equal(3_000_000, entries[2].Uid);
        Assert.Equal(new string('t', 150), entries[3].LinkName);
        Assert.Equal(1, ((PosixTarEntry)entries[4]).DeviceMajor);
        Assert.Equal((UnixFileMode)0x180, entries[2].Mode);
        Assert.All(entries.OfType<PaxTarEntry>(), e => Assert.DoesNotContain("atime", e.ExtendedAttributes.Keys));
        Assert.All(entries.Cast<PosixTarEntry>(), e => Assert.Equal(string.Empty, e.UserName));

        // GNU tar reads the same names, modes and owners.
        var listing = Tool.Run("tar", "--numeric-owner", "-tvf", path);
        Assert.Contains("-rw------- 3000000/7", listing);
        Assert.Contains("été/naïve -> " + new string('t', 150), listing);
        Assert.Contains(longName, listing);
    }

    [Fact]
    public void TheSameEntries_GiveTheSameBytes()
    {
        byte[] Once() => Write((ReproducibleTarEntry.Create(TarEntryType.RegularFile, new string('n', 300), 0x1A4, 0, 0, 5, 3), "abc"u8.ToArray()));
        var first = Once();
        Thread.Sleep(1100);
        Assert.Equal(first, Once());
    }
}
