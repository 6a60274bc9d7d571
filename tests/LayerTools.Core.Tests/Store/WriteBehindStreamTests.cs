using LayerTools.Core.Store;

namespace LayerTools.Core.Tests.Store;

/// <summary>
/// A staged file written through <see cref="WriteBehindStream"/> (its writeback started every few MiB)
/// holds exactly the bytes given, whatever the sizes of the writes and where they cross a window, and
/// is then flushed to disk by its owner as before.
/// </summary>
public sealed class WriteBehindStreamTests
{
    [Theory]
    [InlineData(1 << 20)]
    [InlineData(1_000_003)]
    [InlineData(WriteBehindStream.Window + 1)]
    [InlineData(511)]
    public void TheFileHoldsExactlyTheBytesWrittenAcrossWindows(int writeSize)
    {
        var data = new byte[(2 * WriteBehindStream.Window) + 12345];
        new Random(writeSize).NextBytes(data);
        var path = Path.Combine(Path.GetTempPath(), "lt-writebehind-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var behind = new WriteBehindStream(file);
                for (var at = 0; at < data.Length; at += writeSize)
                {
                    behind.Write(data.AsSpan(at, Math.Min(writeSize, data.Length - at)));
                }

                Assert.Equal(data.Length, behind.Length);
                file.Flush(flushToDisk: true);
            }

            Assert.Equal(data, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
