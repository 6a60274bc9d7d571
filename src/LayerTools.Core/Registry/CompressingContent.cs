using System.Net;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// The body of a streamed upload (a PATCH of no stated length, sent chunked, as docker's own push
/// sends): a layer compressed as it goes out, the same bytes kept in the store as its remembered
/// compressed form (<see cref="CompressedLayerCache.Compress"/>). The body ends as soon as its last
/// byte is sent: the store's copy is flushed to disk and committed on another thread while the
/// registry closes the upload (it flushes its own copy then), and <see cref="Committed"/> waits for
/// that and names the blob the registry was given. Disposing waits for the commit too, so nothing
/// writes to the store after the upload is done with. A failure of the layer itself (not of the connection) is
/// kept in <see cref="Failure"/>, since the HTTP stack may wrap what its body throws. A Ctrl+C
/// (<c>stop</c>) ends the body early rather than cutting the connection (<see cref="Stopped"/>): the
/// registry then answers with the upload's address at its true offset, which its DELETE needs
/// (distribution keeps an upload whose DELETE names an older offset, and answers 404).
/// </summary>
internal sealed class CompressingContent : HttpContent
{
    private readonly LayerStore _store;
    private readonly string _diffId;
    private readonly LayerCompression _compression;
    private readonly Action<long> _progress;
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationToken _stop;

    public CompressingContent(LayerStore store, string diffId, LayerCompression compression, Action<long> progress, CancellationToken cancellationToken, CancellationToken stop = default)
    {
        _stop = stop;
        _store = store;
        _diffId = diffId;
        _compression = compression;
        _progress = progress;
        _cancellationToken = cancellationToken;
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
    }

    private Task<Descriptor>? _commit;

    /// <summary>True when <c>stop</c> ended the body before the whole layer went out.</summary>
    public bool Stopped { get; private set; }

    /// <summary>What the layer's own reading threw (a layer that does not match its DiffID), if anything.</summary>
    public LayerToolsException? Failure { get; private set; }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_commit is not null || Stopped)
        {
            throw new InvalidOperationException("A streamed upload's body is sent once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, cancellationToken, _stop);
        try
        {
            var written = CompressedLayerCache.Compress(_store, _diffId, _compression, stream, _progress, linked.Token);
            // A thread of its own, not the pool's: its fsync blocks, and the pool's threads are the compressors.
            _commit = Task.Factory.StartNew(
                () =>
                {
                    using (written)
                    {
                        return written.Commit(null, _stop);
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested && !_cancellationToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The body ends here, cleanly: the registry answers, and the upload it kept is cancelled at its real offset.
            Stopped = true;
        }
        catch (LayerToolsException ex)
        {
            Failure = ex;
            throw;
        }
    }

    /// <summary>
    /// The compressed blob sent and kept in the store, once its commit ended (throws what the commit
    /// threw); null when the body did not go out whole.
    /// </summary>
    public Descriptor? Committed() => _commit?.GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _commit is not null)
        {
            // Waits without throwing: what the commit threw was seen by Committed, or an earlier failure is the one that matters.
            Task.WhenAny(_commit).Wait();
        }

        base.Dispose(disposing);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        Task.Run(() => SerializeToStream(stream, context, CancellationToken.None));

    /// <summary>No length: the body is sent chunked, as it is made.</summary>
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
