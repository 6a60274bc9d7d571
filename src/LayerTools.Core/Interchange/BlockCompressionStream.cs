using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using LayerTools.Core.Digests;
using ZstdSharp;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Compresses on all cores and writes the same bytes whatever their number: the input is cut into
/// blocks of a fixed size (<see cref="BlockSize"/>), each compressed on its own as a complete gzip
/// member or zstd frame, and the results written in order. Both formats define a stream of
/// concatenated members/frames as the concatenation of their contents, so every reader (Go's gzip,
/// containerd, zstd, .NET) reads it as one layer. The output depends only on the input and the
/// format's block size (and, for gzip, on the runtime: <see cref="GzipMemberEncoder"/>), never on
/// the degree of parallelism, so a layer's compressed digest is the same on every machine running the
/// same .NET. A layer smaller than one block is one member/frame, byte for byte what a single
/// compressor writes; a block that does not compress is stored as it is (deflate stored blocks,
/// zstd raw blocks), as fast compressors do; a gzip block that LZ77 matches would not shrink is
/// Huffman-coded only. At most <c>degree + 2</c> blocks are held at a time (the one
/// being filled and <c>degree + 1</c> compressing or done: one more than the cores, so a worker that
/// finishes while the writer waits for an older, slower block finds the next one ready), each with its output, in buffers from the shared pool (no garbage per block), and a zstd context is made
/// once per worker and reused (reset between frames, which gives the bytes a fresh one writes).
/// </summary>
internal sealed class BlockCompressionStream : WriteOnlyStream
{
    private readonly Stream _destination;
    private readonly LayerCompression _compression;
    private readonly GzipMemberEncoder _gzip;
    private readonly int _blockSize;
    private readonly int _degree;
    private readonly Queue<Task<CompressedBlock>> _inFlight = new();
    private readonly ConcurrentBag<Compressor> _zstdContexts = new();
    private byte[]? _block;
    private int _filled;
    private long _blocks;
    private bool _ended;
    private bool _disposed;

    /// <param name="destination">Where the compressed bytes go (left open).</param>
    /// <param name="compression">gzip or zstd.</param>
    /// <param name="degree">Blocks compressed at once; 0 for the machine's cores (at most 8). Never changes the bytes.</param>
    /// <param name="gzip">How gzip members are written; null for this runtime's (<see cref="GzipMemberEncoder.Current"/>).</param>
    public BlockCompressionStream(Stream destination, LayerCompression compression, int degree = 0, GzipMemberEncoder? gzip = null)
    {
        if (compression == LayerCompression.None)
        {
            throw new ArgumentOutOfRangeException(nameof(compression));
        }

        _destination = destination;
        _compression = compression;
        _gzip = gzip ?? GzipMemberEncoder.Current;
        _blockSize = BlockSize(compression);
        _degree = degree > 0 ? degree : Math.Clamp(Environment.ProcessorCount, 1, 8);
    }

    /// <summary>
    /// The uncompressed size of each member (gzip) or frame (zstd) but the last. Part of the output
    /// format: changing it changes every large layer's compressed digest.
    /// </summary>
    public static int BlockSize(LayerCompression compression) => compression == LayerCompression.Zstd ? 4 << 20 : 1 << 20;

    public override bool CanWrite => !_disposed;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended && buffer.Length > 0)
        {
            throw new InvalidOperationException("Nothing may be written after a shorter block.");
        }

        while (buffer.Length > 0)
        {
            _block ??= ArrayPool<byte>.Shared.Rent(_blockSize);
            var n = Math.Min(buffer.Length, _blockSize - _filled);
            buffer[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _blockSize)
            {
                Submit();
            }
        }
    }

    /// <summary>
    /// Takes a whole block (<see cref="BlockSize"/> bytes, or fewer for the input's last) that the caller
    /// rented from <see cref="ArrayPool{T}.Shared"/>, without copying it: the block is this stream's from
    /// the call on, returned to the pool once compressed (or at once, when the call throws). Only at a
    /// block boundary, and nothing may be written after a shorter block.
    /// </summary>
    public void WriteBlock(byte[] block, int length)
    {
        if (_disposed || _filled != 0 || _ended || length < 0 || length > _blockSize || block.Length < length)
        {
            ArrayPool<byte>.Shared.Return(block);
            ObjectDisposedException.ThrowIf(_disposed, this);
            throw new InvalidOperationException("A whole block is written only at a block boundary, and nothing after a shorter one.");
        }

        _ended = length < _blockSize;
        _block = block;
        _filled = length;
        Submit();
    }

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (disposing)
            {
                // The last, partial block; an empty input is still one (empty) member/frame.
                if (_filled > 0 || _blocks == 0)
                {
                    Submit();
                }

                while (_inFlight.Count > 0)
                {
                    WriteOldest();
                }
            }
        }
        finally
        {
            // On an error, let what is still running finish before its buffers go back to the pool.
            while (_inFlight.TryDequeue(out var task))
            {
                try
                {
                    task.Result.Return();
                }
                catch (AggregateException)
                {
                }
            }

            if (_block is not null)
            {
                ArrayPool<byte>.Shared.Return(_block);
                _block = null;
            }

            while (_zstdContexts.TryTake(out var context))
            {
                context.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private void Submit()
    {
        var block = _block ?? ArrayPool<byte>.Shared.Rent(1);
        var length = _filled;
        _block = null;
        _filled = 0;
        _blocks++;
        _inFlight.Enqueue(Task.Run(() =>
        {
            try
            {
                return Compress(block, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }));
        while (_inFlight.Count > _degree + 1)
        {
            WriteOldest();
        }
    }

    private void WriteOldest()
    {
        var compressed = _inFlight.Dequeue().GetAwaiter().GetResult();
        if (_destination is PipelinedHashingWriteStream pipelined)
        {
            // Handed over whole, not copied into the hashing thread's chunks: the buffer is the stream's now.
            pipelined.WriteOwned(compressed.Buffer, compressed.Length);
            return;
        }

        try
        {
            _destination.Write(compressed.Buffer, 0, compressed.Length);
        }
        finally
        {
            compressed.Return();
        }
    }

    /// <summary>
    /// One block as one complete gzip member or zstd frame: as a single compressor writes it, or, for
    /// a block that does not compress (random or already compressed data), its bytes stored as they
    /// are (deflate stored blocks; zstd raw blocks), which costs a copy instead of a match search.
    /// Which, and for gzip which level or strategy, the block's <see cref="BlockProfile"/> decides.
    /// </summary>
    private CompressedBlock Compress(byte[] block, int length)
    {
        // Sized for the worst case (stored, or data that barely compresses); the stream cannot grow.
        var output = ArrayPool<byte>.Shared.Rent(length + (length / 64) + 1024);
        try
        {
            var profile = BlockProfile.Measure(block, length, matches: _compression == LayerCompression.Gzip);
            if (profile.Incompressible && _compression == LayerCompression.Zstd)
            {
                return new CompressedBlock(output, ZstdRawFrame(block, length, output));
            }

            using var buffer = new MemoryStream(output, 0, output.Length, writable: true);
            if (_compression == LayerCompression.Gzip)
            {
                _gzip.Write(buffer, block, length, profile);
            }
            else
            {
                var context = _zstdContexts.TryTake(out var reused) ? reused : new Compressor(LayerCodec.ZstdLevel);
                try
                {
                    // A context left mid-frame by a failed block starts clean; level and parameters stay.
                    context.ResetStream();
                    using var zstd = new CompressionStream(buffer, context, preserveCompressor: true, leaveOpen: true);
                    zstd.Write(block, 0, length);
                }
                finally
                {
                    _zstdContexts.Add(context);
                }
            }

            return new CompressedBlock(output, (int)buffer.Position);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(output);
            throw;
        }
    }

    /// <summary>
    /// A zstd frame (RFC 8878) of raw blocks: the magic number, a single-segment header with the
    /// content size in four bytes, then the bytes in raw blocks of at most 128 KiB, no checksum.
    /// </summary>
    private static int ZstdRawFrame(byte[] block, int length, byte[] output)
    {
        const int MaxRawBlock = 128 << 10;
        BinaryPrimitives.WriteUInt32LittleEndian(output, 0xFD2FB528);
        output[4] = 0xA0; // Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag 1, no checksum, no dictionary.
        BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(5), (uint)length);
        var written = 9;
        var at = 0;
        do
        {
            var size = Math.Min(MaxRawBlock, length - at);
            var last = at + size >= length ? 1u : 0u;
            var blockHeader = last | (0u << 1) | ((uint)size << 3);
            output[written] = (byte)blockHeader;
            output[written + 1] = (byte)(blockHeader >> 8);
            output[written + 2] = (byte)(blockHeader >> 16);
            Buffer.BlockCopy(block, at, output, written + 3, size);
            written += 3 + size;
            at += size;
        }
        while (at < length);

        return written;
    }

    /// <summary>
    /// A compressed block in a pooled buffer; <see cref="Return"/> gives the buffer back once written.
    /// A class, so its tasks run the runtime's precompiled shared code (a struct's were compiled anew in every session).
    /// </summary>
    private sealed record CompressedBlock(byte[] Buffer, int Length)
    {
        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }
}
