using LayerTools.Core.Store;

namespace LayerTools.Core.Tests.Store;

/// <summary>
/// A staged file written through <see cref="WriteBehindStream"/> (O_DIRECT from an aligned buffer,
/// the unaligned tail through the page cache) holds exactly the bytes given, whatever the sizes of the
/// writes, where they cross a chunk, and whether the last chunk is whole; its owner then flushes it to
/// disk as before.
/// </summary>
public sealed class WriteBehindStreamTests
{
    [Theory]
    [InlineData(1 << 20, 12345)]
    [InlineData(1_000_003, 12345)]
    [InlineData(WriteBehindStream.Window + 1, 1)]
    [InlineData(511, 4095)]
    [InlineData(1 << 20, 0)]
    [InlineData(4096, 4096)]
    public void TheFileHoldsExactlyTheBytesWritten(int writeSize, int extra)
    {
        var data = new byte[(2 * WriteBehindStream.Window) + extra];
        new Random(writeSize + extra).NextBytes(data);
        var path = Path.Combine(Path.GetTempPath(), "lt-writebehind-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var behind = new WriteBehindStream(file))
            {
                Assert.True(behind.Direct || !OperatingSystem.IsLinux() || !IsDiskFileSystem(path), "a file on a disk's file system is written with O_DIRECT");
                for (var at = 0; at < data.Length; at += writeSize)
                {
                    behind.Write(data.AsSpan(at, Math.Min(writeSize, data.Length - at)));
                }

                Assert.Equal(data.Length, behind.Length);
                behind.Flush();
                Assert.False(behind.Direct);
                file.Flush(flushToDisk: true);
            }

            Assert.Equal(data, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>ext4, xfs or btrfs (what /proc/mounts says of the longest mount point above the path).</summary>
    private static bool IsDiskFileSystem(string path)
    {
        var mounts = File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 2 && path.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal));
        var type = mounts.OrderByDescending(f => f[1].Length).Select(f => f[2]).FirstOrDefault();
        return type is "ext4" or "xfs" or "btrfs";
    }
}
