using System.Diagnostics;

namespace LayerTools.Core.Store;

/// <summary>
/// An exclusive, cross-process lock on the store's mutable records. On Unix .NET takes an advisory
/// flock for FileShare.None; on Windows the share mode itself excludes other openers. The lock goes
/// when the handle closes, so a crashed process never leaves the store locked.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _handle;

    private StoreLock(FileStream handle) => _handle = handle;

    /// <summary>Takes the lock on <paramref name="path"/>, creating the lock file with <paramref name="mode"/> (whatever the umask).</summary>
    public static StoreLock Acquire(string path, UnixFileMode mode, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var delay = 5;
        while (true)
        {
            try
            {
                var handle = StoreAccess.OpenOrCreate(path, mode);
                return new StoreLock(handle);
            }
            catch (IOException) when (watch.Elapsed < timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, 100);
            }
            catch (IOException ex)
            {
                throw new LayerToolsException("StoreBusy", ErrorKind.ResourceUnavailable, $"The store is locked by another process (waited {timeout.TotalSeconds:0} s for '{path}').", path, ex);
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}
