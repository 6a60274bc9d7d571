using LayerTools.Core.HostFs;

namespace LayerTools.Core.Store;

/// <summary>
/// Writes a large staged file (a pulled layer's tar, its compressed blob) and asks Linux to start
/// writing each few MiB to disk as soon as they are written (<c>sync_file_range</c> with
/// <c>SYNC_FILE_RANGE_WRITE</c>), instead of leaving it all dirty until the file's fsync: with gigabytes
/// of memory no background writeback starts on its own, and the fsync before the file is moved into
/// the store then waited for every byte at once, after the layer's other work. The disk now works
/// while the layer downloads and decompresses, and the fsync (still made, as before: durability is
/// the same) finds little left. The file is the caller's: it flushes it to disk and closes it.
/// </summary>
internal sealed class WriteBehindStream : WriteOnlyStream
{
    /// <summary>How much is written before its writeback is started.</summary>
    public const int Window = 8 << 20;

    private readonly FileStream _file;
    private long _written;
    private long _started;
    private bool _unsupported = !OperatingSystem.IsLinux();

    public WriteBehindStream(FileStream file)
    {
        _file = file;
    }

    protected override long BytesTaken => _written;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _file.Write(buffer);
        _written += buffer.Length;
        if (_written - _started >= Window && !_unsupported)
        {
            _file.Flush();

            // Only a hint: a file system that cannot (EINVAL, ESPIPE) is left to its fsync.
            _unsupported = LinuxNative.SyncFileRangeWrite(_file.SafeFileHandle, _started, _written - _started) != 0;
            _started = _written;
        }
    }

    public override void Flush() => _file.Flush();

    /// <summary>
    /// Starts writing a small file just written (and flushed from its buffer) to disk, without waiting:
    /// its fsync, made later with others, then finds little left to do.
    /// </summary>
    public static void StartWriteback(FileStream file)
    {
        if (OperatingSystem.IsLinux())
        {
            // Only a hint (see Write): a file system that cannot is left to the fsync.
            _ = LinuxNative.SyncFileRangeWrite(file.SafeFileHandle, 0, 0);
        }
    }
}
