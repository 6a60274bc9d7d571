using System.Net;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// The body of a streamed upload (a PATCH of no stated length, sent chunked, as docker's own push
/// sends): a layer compressed as it goes out, the same bytes kept in the store as its remembered
/// compressed form (<see cref="CompressedLayerCache.Create"/>). Once sent, <see cref="Compressed"/>
/// names the blob the registry was given. A failure of the layer itself (not of the connection) is
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

    /// <summary>The compressed blob sent (and kept in the store); null until the whole body went out.</summary>
    public Descriptor? Compressed { get; private set; }

    /// <summary>True when <c>stop</c> ended the body before the whole layer went out.</summary>
    public bool Stopped { get; private set; }

    /// <summary>What the layer's own reading threw (a layer that does not match its DiffID), if anything.</summary>
    public LayerToolsException? Failure { get; private set; }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Compressed is not null)
        {
            throw new InvalidOperationException("A streamed upload's body is sent once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, cancellationToken, _stop);
        try
        {
            Compressed = CompressedLayerCache.Create(_store, _diffId, _compression, stream, _progress, linked.Token);
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

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        Task.Run(() => SerializeToStream(stream, context, CancellationToken.None));

    /// <summary>No length: the body is sent chunked, as it is made.</summary>
    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
