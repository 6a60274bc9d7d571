using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;

namespace LayerTools.Core.Digests;

/// <summary>
/// <see cref="HashingWriteStream"/> on a second core: writes are gathered into 256 KiB chunks that
/// one background task hashes and writes to the inner stream, in order, while the writer goes on
/// (a layer's DiffID and its file write no longer share a core with reading and hashing its files);
/// a buffer written whole (<see cref="WriteOwned"/>, a compressed block) is queued as it is, uncopied.
/// At most four chunks wait, in a queue guarded by its own monitor (a queue of a class: the runtime's
/// precompiled shared code, where a <c>BlockingCollection</c> of value tuples had some 50 methods
/// compiled on first use in every session, and spun on its semaphores). The inner stream is written only by that task until
/// <see cref="Digest"/> (or <see cref="Flush"/>) ends the writing; an error of the inner stream is
/// thrown, as it was, on the next write or there.
/// </summary>
internal sealed class PipelinedHashingWriteStream : WriteOnlyStream
{

    // 256 KiB: a handful of chunks in flight is ~1.5 MB (1 MiB chunks were ~6 MB of a build's peak memory, and stayed in the shared pool).
    private const int ChunkSize = 1 << 18;

    /// <summary>Chunks that may wait for the background task.</summary>
    private const int Waiting = 4;
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Queue<Chunk> _queue = new();
    private readonly Task _consumer;
    private bool _addingCompleted;
    private byte[]? _chunk;
    private int _filled;
    private ExceptionDispatchInfo? _failure;
    private string? _digest;
    private bool _completed;

    public PipelinedHashingWriteStream(Stream inner, bool leaveOpen = true)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _consumer = Task.Factory.StartNew(Consume, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The digest of everything written; writing ends (and every byte is in the inner stream) once this is asked for.</summary>
    public string Digest
    {
        get
        {
            if (_digest is null)
            {
                Complete();
                _digest = Digests.Digest.FromHash(_hash.GetHashAndReset());
            }

            return _digest;
        }
    }

    public override bool CanWrite => !_completed;

    protected override long BytesTaken => BytesWritten;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_completed)
        {
            throw new InvalidOperationException("The digest was already taken.");
        }

        BytesWritten += buffer.Length;
        while (buffer.Length > 0)
        {
            _chunk ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
            var n = Math.Min(buffer.Length, ChunkSize - _filled);
            buffer[..n].CopyTo(_chunk.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == ChunkSize)
            {
                Submit();
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>
    /// Takes <paramref name="length"/> bytes of a buffer rented from <see cref="ArrayPool{T}.Shared"/>
    /// without copying them (a compressed block, written whole): the buffer is this stream's from the
    /// call on (also when it throws), queued after what was written before and returned to the pool
    /// once hashed and written.
    /// </summary>
    public void WriteOwned(byte[] buffer, int length)
    {
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("The digest was already taken.");
            }

            Submit();
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        BytesWritten += length;
        Enqueue(new Chunk(buffer, length));
    }

    /// <summary>Ends the writing: every byte is hashed and in the inner stream, which is flushed.</summary>
    public override void Flush()
    {
        Complete();
        _inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CompleteAdding();

            // The task catches what the inner stream throws, so this waits and never throws.
            _consumer.Wait();

            if (_chunk is not null)
            {
                ArrayPool<byte>.Shared.Return(_chunk);
                _chunk = null;
            }

            _hash.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Submit()
    {
        Volatile.Read(ref _failure)?.Throw();
        if (_filled > 0)
        {
            Enqueue(new Chunk(_chunk!, _filled));
            _chunk = null;
            _filled = 0;
        }
    }

    /// <summary>Queues a chunk for the background task, waiting while <see cref="Waiting"/> chunks wait.</summary>
    private void Enqueue(Chunk chunk)
    {
        lock (_queue)
        {
            while (_queue.Count >= Waiting)
            {
                Monitor.Wait(_queue);
            }

            _queue.Enqueue(chunk);
            Monitor.PulseAll(_queue);
        }
    }

    private void Complete()
    {
        if (_completed)
        {
            return;
        }

        Submit();
        _completed = true;
        CompleteAdding();
        _consumer.Wait();
        _failure?.Throw();
    }

    private void CompleteAdding()
    {
        lock (_queue)
        {
            _addingCompleted = true;
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>The next chunk, waiting for one; null once writing ended and every chunk was taken.</summary>
    private Chunk? Take()
    {
        lock (_queue)
        {
            while (_queue.Count == 0)
            {
                if (_addingCompleted)
                {
                    return null;
                }

                Monitor.Wait(_queue);
            }

            var chunk = _queue.Dequeue();
            Monitor.PulseAll(_queue);
            return chunk;
        }
    }

    private void Consume()
    {
        while (Take() is { } chunk)
        {
            try
            {
                if (Volatile.Read(ref _failure) is null)
                {
                    _hash.AppendData(chunk.Buffer, 0, chunk.Length);
                    _inner.Write(chunk.Buffer, 0, chunk.Length);
                }
            }
            catch (Exception ex)
            {
                // Kept as it is and thrown again, unchanged, on the writer's thread; the queue is
                // still drained so the writer never blocks on a full queue.
                Volatile.Write(ref _failure, ExceptionDispatchInfo.Capture(ex));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }
    }

    /// <summary>A pooled buffer and how much of it is filled.</summary>
    private sealed record Chunk(byte[] Buffer, int Length);
}
