using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// Sends one blob to a repository: a cross-repository mount when another repository of the registry
/// has it, else an upload: monolithic (POST, then PUT ?digest= with the bytes) or, when the registry
/// asks for chunks (OCI-Chunk-Min-Length), PATCH chunks then PUT. The store's blob is checked against
/// its digest as it is read.
/// </summary>
internal sealed class BlobUploader
{
    /// <summary>The chunk size when a registry wants chunks and names no larger minimum.</summary>
    public const int DefaultChunkBytes = 8 * 1024 * 1024;

    private readonly RegistryClient _client;
    private readonly LayerStore _store;
    private readonly string _repository;
    private readonly string _scope;

    public BlobUploader(RegistryClient client, LayerStore store, string repository)
    {
        _client = client;
        _store = store;
        _repository = repository;
        _scope = RegistryClient.PushScope(repository);
    }

    /// <summary>Mounts <paramref name="blob"/> from <paramref name="from"/>; null when mounted, else the upload the registry opened instead.</summary>
    public Uri? TryMount(ExportBlob blob, string from, CancellationToken cancellationToken)
    {
        var scope = _scope + " " + RegistryClient.PullScope(from);
        using var response = _client.Send(HttpMethod.Post, $"/v2/{_repository}/blobs/uploads/?mount={blob.Digest}&from={Uri.EscapeDataString(from)}", scope, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.Created => null,
            HttpStatusCode.Accepted => _client.Location(response, "a mount"),
            _ => throw RegistryErrors.FromResponse(response, $"a mount of {blob.Digest} into {_client.Endpoint.Domain}/{_repository}", blob.Digest),
        };
    }

    /// <summary>Uploads <paramref name="blob"/>, into the upload the registry opened already when there is one.</summary>
    public void Upload(ExportBlob blob, Uri? opened, Action<long> progress, CancellationToken cancellationToken)
    {
        var what = $"{blob.What} {blob.Digest} for {_client.Endpoint.Domain}/{_repository}";
        var (location, chunkMin) = opened is null ? Open(what, blob.Digest, cancellationToken) : (opened, null);
        Send(blob, location, chunkMin, what, progress, cancellationToken);
    }

    /// <summary>
    /// Uploads a layer never compressed before, compressing it on the way: POST, a PATCH whose body is
    /// made as it goes (and kept in the store, so the next push sends the same blob or skips it), then a
    /// PUT ?digest= of what was sent. When the registry wants chunks, or the streamed PATCH fails (a
    /// dropped connection, a registry that will not take it), the layer is compressed into the store
    /// and sent from there into a new upload, once: the compression is deterministic, so the digest is
    /// the same. <paramref name="progress"/> counts the layer's uncompressed bytes.
    /// </summary>
    public Descriptor UploadCompressing(string diffId, LayerCompression compression, Action<long> progress, CancellationToken cancellationToken)
    {
        var what = $"layer {diffId} for {_client.Endpoint.Domain}/{_repository}";
        if (_client.Options.ChunkBytes is null)
        {
            var (location, chunkMin) = Open(what, diffId, cancellationToken);
            if (chunkMin is null)
            {
                try
                {
                    return SendCompressing(diffId, compression, location, progress, what, cancellationToken);
                }
                catch (LayerToolsException ex) when (ex.ErrorId is "RegistryUnreachable" or "RegistryUnavailable" or "RegistryError" && !cancellationToken.IsCancellationRequested)
                {
                    // Below: from the store, into a new upload (this one is left to the registry's own clean-up).
                }
            }
            else
            {
                var kept = CompressedLayerCache.GetOrCreate(_store, diffId, compression, progress, cancellationToken);
                Send(new ExportBlob(kept.Digest, kept.Size, "layer"), location, chunkMin, what, Scaled(progress, kept.Size, _store.BlobSize(diffId)), cancellationToken);
                return kept;
            }
        }

        var compressed = CompressedLayerCache.GetOrCreate(_store, diffId, compression, progress, cancellationToken);
        Upload(new ExportBlob(compressed.Digest, compressed.Size, "layer"), null, Scaled(progress, compressed.Size, _store.BlobSize(diffId)), cancellationToken);
        return compressed;
    }

    private Descriptor SendCompressing(string diffId, LayerCompression compression, Uri location, Action<long> progress, string what, CancellationToken cancellationToken)
    {
        var stall = _client.Options.StallTimeout;
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watchdog = new Timer(_ => stalled.Cancel(), null, stall, Timeout.InfiniteTimeSpan);
        using var content = new CompressingContent(_store, diffId, compression, n => { watchdog.Change(stall, Timeout.InfiniteTimeSpan); progress(n); }, stalled.Token);
        HttpResponseMessage patched;
        try
        {
            patched = _client.Send(HttpMethod.Patch, location, _scope, stalled.Token, r => r.Content = content, streamed: true);
        }
        catch (Exception ex) when (content.Failure is { } failure && ex != failure)
        {
            throw failure;
        }
        catch (Exception ex) when ((ex is OperationCanceledException || RegistryErrors.IsTransport(ex)) && stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Stalled(what, diffId, stall, ex);
        }

        using (patched)
        {
            if (patched.StatusCode != HttpStatusCode.Accepted || content.Compressed is null)
            {
                throw RegistryErrors.FromResponse(patched, "a streamed upload of " + what, diffId);
            }

            location = _client.Location(patched, "a streamed upload");
        }

        var sent = content.Compressed;
        using var done = _client.Send(HttpMethod.Put, WithDigest(location, sent.Digest), _scope, cancellationToken);
        if (done.StatusCode != HttpStatusCode.Created)
        {
            throw RegistryErrors.FromResponse(done, $"the upload of layer {sent.Digest} ({diffId}) for {_client.Endpoint.Domain}/{_repository}", sent.Digest);
        }

        return sent;
    }

    /// <summary>POST: a new upload's address, and the smallest chunk the registry takes when it wants chunks (OCI-Chunk-Min-Length).</summary>
    private (Uri Location, long? ChunkMin) Open(string what, string target, CancellationToken cancellationToken)
    {
        using var start = _client.Send(HttpMethod.Post, $"/v2/{_repository}/blobs/uploads/", _scope, cancellationToken);
        if (start.StatusCode != HttpStatusCode.Accepted)
        {
            throw RegistryErrors.FromResponse(start, "an upload of " + what, target);
        }

        var chunkMin = start.Headers.TryGetValues("OCI-Chunk-Min-Length", out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var min) ? min : (long?)null;
        return (_client.Location(start, "an upload"), chunkMin);
    }

    private void Send(ExportBlob blob, Uri location, long? chunkMin, string what, Action<long> progress, CancellationToken cancellationToken)
    {
        // Chunks when the registry asks for them (at least its minimum) or the options force them.
        int? chunkBytes = chunkMin is { } required
            ? (int)Math.Min(Math.Max(required, _client.Options.ChunkBytes ?? DefaultChunkBytes), int.MaxValue)
            : _client.Options.ChunkBytes;
        using var source = blob.Open(_store);
        HttpResponseMessage done;
        if (chunkBytes is null)
        {
            done = SendWhole(blob, source, location, progress, what, cancellationToken);
        }
        else
        {
            using var counted = new ProgressReadStream(source, progress, cancellationToken);
            location = SendChunks(counted, location, chunkBytes.Value, what, cancellationToken);
            done = _client.Send(HttpMethod.Put, WithDigest(location, blob.Digest), _scope, cancellationToken);
        }

        using (done)
        {
            blob.Verify(_store, source);
            if (done.StatusCode != HttpStatusCode.Created)
            {
                throw RegistryErrors.FromResponse(done, "the upload of " + what, blob.Digest);
            }
        }
    }

    /// <summary>A compressed blob's progress in the uncompressed bytes its layer's progress counts.</summary>
    private static Action<long> Scaled(Action<long> progress, long compressed, long uncompressed) =>
        n => progress(compressed <= 0 ? uncompressed : (long)((double)n / compressed * uncompressed));

    private static LayerToolsException Stalled(string what, string target, TimeSpan stall, Exception ex) =>
        new("RegistryStalled", ErrorKind.ResourceUnavailable, $"'{what}': the registry took or answered nothing for {stall.TotalSeconds:0} seconds; the upload was given up.", target, ex);

    /// <summary>
    /// One PUT with the whole blob, streamed from the store. It has no overall timeout (a large blob takes
    /// as long as it takes): it is given up when the registry takes no byte, or gives no answer once it
    /// has them all, for the stall timeout.
    /// </summary>
    private HttpResponseMessage SendWhole(ExportBlob blob, Stream source, Uri location, Action<long> progress, string what, CancellationToken cancellationToken)
    {
        var stall = _client.Options.StallTimeout;
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var watchdog = new Timer(_ => stalled.Cancel(), null, stall, Timeout.InfiniteTimeSpan);
        using var counted = new ProgressReadStream(source, n => { watchdog.Change(stall, Timeout.InfiniteTimeSpan); progress(n); }, stalled.Token);
        var content = new StreamContent(counted, 1 << 16);
        content.Headers.ContentLength = blob.Size;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        try
        {
            return _client.Send(HttpMethod.Put, WithDigest(location, blob.Digest), _scope, stalled.Token, r => r.Content = content, streamed: true);
        }
        catch (Exception ex) when ((ex is OperationCanceledException || RegistryErrors.IsTransport(ex)) && stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Stalled(what, blob.Digest, stall, ex);
        }
    }

    private Uri SendChunks(Stream source, Uri location, int chunkBytes, string what, CancellationToken cancellationToken)
    {
        var buffer = new byte[chunkBytes];
        long offset = 0;
        while (true)
        {
            var n = 0;
            int r;
            while (n < buffer.Length && (r = source.Read(buffer, n, buffer.Length - n)) > 0)
            {
                n += r;
            }

            if (n == 0)
            {
                return location;
            }

            var start = offset;
            using var response = _client.Send(HttpMethod.Patch, location, _scope, cancellationToken, request =>
            {
                request.Content = new ByteArrayContent(buffer, 0, n);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + n - 1}");
            });
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw RegistryErrors.FromResponse(response, "a chunk of " + what, what);
            }

            location = _client.Location(response, "a chunk");
            offset += n;
        }
    }

    private static Uri WithDigest(Uri location, string digest)
    {
        var builder = new UriBuilder(location);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length == 0 ? string.Empty : query + "&") + "digest=" + Uri.EscapeDataString(digest);
        return builder.Uri;
    }
}
