using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

public sealed class StreamSliceTests
{
    [Fact]
    public void AWindow_ReadsAndSeeksOnlyItsBytes()
    {
        using var slice = new StreamSlice(new MemoryStream("0123456789"u8.ToArray()), 3, 4);
        var all = new byte[10];
        Assert.Equal(4, slice.ReadAtLeast(all, 10, throwOnEndOfStream: false));
        Assert.Equal("3456"u8.ToArray(), all[..4]);
        slice.Position = 2;
        Assert.Equal((int)'5', slice.ReadByte());
        Assert.Throws<ArgumentOutOfRangeException>(() => slice.Position = 5);
    }

    [Fact]
    public void AWindowPastTheEnd_IsRefused_AndForAFileSaysTheArchiveIsTruncated()
    {
        Assert.Throws<EndOfStreamException>(() => new StreamSlice(new MemoryStream(new byte[10]), 8, 4));
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[10]);
            LayerAssert.Throws("ArchiveTruncated", () => StreamSlice.OfFile(path, 8, 4));
            using var ok = StreamSlice.OfFile(path, 6, 4);
            Assert.Equal(4, ok.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
