using System.Runtime.InteropServices;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Store;

/// <summary>
/// Writes a large staged file (a pulled layer's tar, its compressed blob) straight to disk as it
/// comes. On Linux it writes with O_DIRECT from an aligned buffer of its own: no copy into the page
/// cache (on this machine's VMs each new page-cache page costs a fault, which made the kernel's copy
/// 0.3-0.5 CPU-s of a 200 MB pull) and nothing left dirty for the fsync. Where the file system
/// refuses O_DIRECT it writes through the page cache and starts each few MiB's writeback at once
/// (<c>sync_file_range</c> WRITE), since with gigabytes of memory none starts on its own before the
/// fsync. <see cref="Flush"/> writes the last, unaligned bytes; the caller then flushes the file to
/// disk (fsync, as before: durability is the same) and closes it.
/// </summary>
internal sealed unsafe class WriteBehindStream : WriteOnlyStream
{
    /// <summary>How much is written before its writeback is started, through the page cache.</summary>
    public const int Window = 8 << 20;

    /// <summary>What O_DIRECT aligns to: buffer address, length and file offset.</summary>
    private const int Alignment = 4096;
    private const int DirectChunk = 1 << 20;

    private readonly FileStream _file;
    private byte* _buffer;
    private int _filled;
    private long _taken;
    private long _onDisk;
    private long _started;
    private bool _hintRefused;

    public WriteBehindStream(FileStream file)
    {
        _file = file;
        _hintRefused = !OperatingSystem.IsLinux();
        if (OperatingSystem.IsLinux() && LinuxNative.SetDirect(file.SafeFileHandle, direct: true))
        {
            _buffer = (byte*)NativeMemory.AlignedAlloc(DirectChunk, Alignment);
        }
    }

    /// <summary>True while writes bypass the page cache.</summary>
    public bool Direct => _buffer is not null;

    protected override long BytesTaken => _taken;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _taken += buffer.Length;
        while (!buffer.IsEmpty && _buffer is not null)
        {
            var n = Math.Min(buffer.Length, DirectChunk - _filled);
            buffer[..n].CopyTo(new Span<byte>(_buffer + _filled, n));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == DirectChunk)
            {
                WriteChunk();
            }
        }

        if (!buffer.IsEmpty)
        {
            WriteThroughCache(buffer);
        }
    }

    /// <summary>Writes what is held (the tail shorter than a chunk, unaligned) and leaves O_DIRECT.</summary>
    public override void Flush()
    {
        if (_buffer is not null)
        {
            var tail = new ReadOnlySpan<byte>(_buffer, _filled);
            LeaveDirect();
            WriteThroughCache(tail);
            Release();
        }
    }

    private void WriteChunk()
    {
        var errno = LinuxNative.PwriteAll(_file.SafeFileHandle, new ReadOnlySpan<byte>(_buffer, _filled), _onDisk);
        if (errno == LinuxNative.EInval)
        {
            // A file system that takes the flag but not the write: the rest goes through the page cache.
            var chunk = new ReadOnlySpan<byte>(_buffer, _filled);
            LeaveDirect();
            WriteThroughCache(chunk);
            Release();
            return;
        }

        if (errno != 0)
        {
            throw new IOException($"'{_file.Name}': {LinuxNative.Describe(errno)}", errno);
        }

        _onDisk += _filled;
        _filled = 0;
    }

    private void WriteThroughCache(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(_file.SafeFileHandle, bytes, _onDisk);
        _onDisk += bytes.Length;
        if (_onDisk - _started >= Window && !_hintRefused)
        {
            // Only a hint: a file system that cannot (EINVAL, ESPIPE) is left to its fsync.
            _hintRefused = LinuxNative.SyncFileRangeWrite(_file.SafeFileHandle, _started, _onDisk - _started) != 0;
            _started = _onDisk;
        }
    }

    private void LeaveDirect()
    {
        if (!LinuxNative.SetDirect(_file.SafeFileHandle, direct: false))
        {
            throw new IOException($"'{_file.Name}': O_DIRECT could not be cleared ({LinuxNative.Describe(LinuxNative.LastErrno)}).");
        }
    }


    private void Release()
    {
        if (_buffer is not null)
        {
            NativeMemory.AlignedFree(_buffer);
            _buffer = null;
            _filled = 0;
        }
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        base.Dispose(disposing);
    }

    ~WriteBehindStream() => Release();
}
