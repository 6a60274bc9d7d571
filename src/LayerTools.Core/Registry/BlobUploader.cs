using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// Sends one blob to a repository: a cross-repository mount when another repository of the registry
/// has it, else an upload: monolithic (POST, then PUT ?digest= with the bytes) or, when the registry
/// asks for chunks (OCI-Chunk-Min-Length), PATCH chunks then PUT. The store's blob is checked against
/// its digest as it is read, and the digest the registry says it stored (Docker-Content-Digest) against
/// the digest sent. An upload given up is cancelled (DELETE) before its error goes on.
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
        using var response = SendOpening(HttpMethod.Post, $"/v2/{_repository}/blobs/uploads/?mount={blob.Digest}&from={Uri.EscapeDataString(from)}", scope, cancellationToken);
        var what = $"a mount of {blob.Digest} into {_client.Endpoint.Domain}/{_repository}";
        switch (response.StatusCode)
        {
            case HttpStatusCode.Created:
                RegistryErrors.CheckStoredDigest(response, blob.Digest, what, blob.Digest);
                return null;
            case HttpStatusCode.Accepted:
                return _client.Location(response, "a mount");
            default:
                throw RegistryErrors.FromResponse(response, what, blob.Digest);
        }
    }

    /// <summary>Uploads <paramref name="blob"/>, into the upload the registry opened already when there is one.</summary>
    public void Upload(ExportBlob blob, Uri? opened, Action<long> progress, CancellationToken cancellationToken)
    {
        var what = $"{blob.What} {blob.Digest} for {_client.Endpoint.Domain}/{_repository}";
        var (location, chunkMin) = opened is null ? Open(what, blob.Digest, cancellationToken) : (opened, null);
        Abandoning(location, upload => Send(blob, upload, chunkMin, what, progress, cancellationToken));
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
                    return Abandoning(location, upload => SendCompressing(diffId, compression, upload, progress, what, cancellationToken));
                }
                catch (LayerToolsException ex) when (ex.ErrorId is "RegistryUnreachable" or "RegistryUnavailable" or "RegistryError" && !cancellationToken.IsCancellationRequested)
                {
                    // Below: from the store, into a new upload (this one was cancelled, as Abandoning does).
                }
            }
            else
            {
                // Compressed into the store first, inside Abandoning too: a Ctrl+C while compressing cancels the upload opened.
                return Abandoning(location, upload =>
                {
                    var kept = CompressedLayerCache.GetOrCreate(_store, diffId, compression, progress, cancellationToken);
                    Send(new ExportBlob(kept.Digest, kept.Size, "layer"), upload, chunkMin, what, Scaled(progress, kept.Size, _store.BlobSize(diffId)), cancellationToken);
                    return kept;
                });
            }
        }

        var compressed = CompressedLayerCache.GetOrCreate(_store, diffId, compression, progress, cancellationToken);
        Upload(new ExportBlob(compressed.Digest, compressed.Size, "layer"), null, Scaled(progress, compressed.Size, _store.BlobSize(diffId)), cancellationToken);
        return compressed;
    }

    /// <summary>
    /// Runs <paramref name="send"/> on the upload at <paramref name="location"/> (it moves the box to each
    /// new Location the registry gives); when it throws (a failure, Ctrl+C), the upload is cancelled with
    /// DELETE before the error goes on unchanged.
    /// </summary>
    private void Abandoning(Uri location, Action<StrongBox<Uri>> send) => Abandoning(location, upload =>
    {
        send(upload);
        return true;
    });

    private T Abandoning<T>(Uri location, Func<StrongBox<Uri>, T> send)
    {
        var upload = new StrongBox<Uri>(location);
        var sent = false;
        try
        {
            var result = send(upload);
            sent = true;
            return result;
        }
        finally
        {
            if (!sent)
            {
                Cancel(upload.Value!);
            }
        }
    }

    /// <summary>
    /// DELETE an upload given up (the distribution spec's "Canceling an upload"), so the registry drops
    /// what it took at once rather than at its own clean-up. Best effort, bounded by a few seconds (after
    /// Ctrl+C too): a DELETE that fails is a note for verbose output, never the error the user sees.
    /// A 404 BLOB_UPLOAD_UNKNOWN (or a 404 with no error code) says the upload is gone already: no note.
    /// A 404 BLOB_UPLOAD_INVALID is CNCF distribution's answer to an address whose <c>_state</c> is not
    /// the upload's latest (a PATCH took bytes after the answer that gave the address): the upload stays,
    /// and it cannot be cancelled from here, because distribution checks <c>_state</c> on every request
    /// to the upload (its status GET too), so only the latest address, which no answer gave us, could
    /// name it. That is a note too; the registry's upload purge removes the upload.
    /// </summary>
    public void Cancel(Uri location)
    {
        using var bounded = new CancellationTokenSource(CancelWait);
        string? why;
        try
        {
            using var response = _client.Send(HttpMethod.Delete, location, _scope, bounded.Token);
            why = NotCancelled(response);
        }
        catch (Exception ex) when (ex is LayerToolsException or OperationCanceledException || RegistryErrors.IsTransport(ex))
        {
            why = ex is OperationCanceledException ? "no answer in time" : ex.Message;
        }

        if (why is not null)
        {
            _client.Notes.Enqueue($"The registry {_client.Endpoint.Host} did not cancel the abandoned upload {location.AbsolutePath} ({why}); its own clean-up removes it.");
        }
    }

    /// <summary>Why a DELETE's answer did not cancel the upload; null when it did, or the upload was gone already.</summary>
    private static string? NotCancelled(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            return $"HTTP {(int)response.StatusCode}";
        }

        var (code, message) = RegistryErrors.ReadError(response);
        return code is null or "BLOB_UPLOAD_UNKNOWN"
            ? null
            : $"HTTP 404, {code}" + (string.IsNullOrEmpty(message) ? string.Empty : ": " + message)
                + (code == "BLOB_UPLOAD_INVALID" ? "; the address is not the upload's latest, which the registry never gave" : string.Empty);
    }

    /// <summary>
    /// Sends a request that may open an upload (a POST, a mount the registry answers with an upload).
    /// A Ctrl+C does not cut it off: the registry may have made the upload already, and only its answer
    /// says where it is. The answer is awaited (for at most <see cref="CancelTimeout"/> after the cancel),
    /// an upload it opened is cancelled (DELETE), and then the cancel goes on.
    /// </summary>
    private HttpResponseMessage SendOpening(HttpMethod method, string pathAndQuery, string scope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var grace = new CancellationTokenSource();
        HttpResponseMessage response;
        using (cancellationToken.Register(() => grace.CancelAfter(CancelWait)))
        {
            try
            {
                response = _client.Send(method, pathAndQuery, scope, grace.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // No answer in time after the cancel: an upload it may have opened is left to the registry's clean-up.
                throw new OperationCanceledException(cancellationToken);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is not null)
                {
                    Cancel(_client.Location(response, "an upload"));
                }
            }

            throw new OperationCanceledException(cancellationToken);
        }

        return response;
    }

    /// <summary>How long the DELETE of an abandoned upload may take.</summary>
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long an upload's cancel waits for the registry: <see cref="CancelTimeout"/>, or the client's timeout when shorter.</summary>
    private TimeSpan CancelWait => CancelTimeout < _client.Options.Timeout ? CancelTimeout : _client.Options.Timeout;

    private Descriptor SendCompressing(string diffId, LayerCompression compression, StrongBox<Uri> upload, Action<long> progress, string what, CancellationToken cancellationToken)
    {
        var location = upload.Value!;
        var stall = _client.Options.StallTimeout;

        // A Ctrl+C ends the body (the content stops) and the registry's answer is awaited, for a few seconds at most,
        // so the upload is cancelled at the offset the registry has: the connection is not cut under the PATCH.
        using var stalled = new CancellationTokenSource(stall);
        using var grace = new CancellationTokenSource();
        using var onCancel = cancellationToken.Register(() => grace.CancelAfter(CancelWait));
        using var sending = CancellationTokenSource.CreateLinkedTokenSource(stalled.Token, grace.Token);
        using var content = new CompressingContent(_store, diffId, compression, n => { stalled.CancelAfter(stall); progress(n); }, stalled.Token, cancellationToken);
        HttpResponseMessage patched;
        try
        {
            patched = _client.Send(HttpMethod.Patch, location, _scope, sending.Token, r => r.Content = content, streamed: true);
        }
        catch (Exception ex) when (content.Failure is { } failure && ex != failure)
        {
            throw failure;
        }
        catch (Exception ex) when ((ex is OperationCanceledException || RegistryErrors.IsTransport(ex)) && cancellationToken.IsCancellationRequested)
        {
            // No answer in time after the Ctrl+C: the upload is cancelled at the offset known (the registry may keep it).
            throw new OperationCanceledException("The upload was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when ((ex is OperationCanceledException || RegistryErrors.IsTransport(ex)) && stalled.IsCancellationRequested)
        {
            throw Stalled(what, diffId, stall, ex);
        }

        using (patched)
        {
            if (content.Stopped || cancellationToken.IsCancellationRequested)
            {
                if (patched.StatusCode == HttpStatusCode.Accepted && patched.Headers.Location is not null)
                {
                    upload.Value = _client.Location(patched, "a streamed upload");
                }

                throw new OperationCanceledException(cancellationToken);
            }

            if (patched.StatusCode != HttpStatusCode.Accepted || content.Committed() is null)
            {
                throw RegistryErrors.FromResponse(patched, "a streamed upload of " + what, diffId);
            }

            location = upload.Value = _client.Location(patched, "a streamed upload");
        }

        var sent = content.Committed()!;
        using var done = _client.Send(HttpMethod.Put, WithDigest(location, sent.Digest), _scope, cancellationToken);
        var finished = $"the upload of layer {sent.Digest} ({diffId}) for {_client.Endpoint.Domain}/{_repository}";
        if (done.StatusCode != HttpStatusCode.Created)
        {
            throw RegistryErrors.FromResponse(done, finished, sent.Digest);
        }

        RegistryErrors.CheckStoredDigest(done, sent.Digest, finished, sent.Digest);

        return sent;
    }

    /// <summary>POST: a new upload's address, and the smallest chunk the registry takes when it wants chunks (OCI-Chunk-Min-Length).</summary>
    private (Uri Location, long? ChunkMin) Open(string what, string target, CancellationToken cancellationToken)
    {
        using var start = SendOpening(HttpMethod.Post, $"/v2/{_repository}/blobs/uploads/", _scope, cancellationToken);
        if (start.StatusCode != HttpStatusCode.Accepted)
        {
            throw RegistryErrors.FromResponse(start, "an upload of " + what, target);
        }

        var chunkMin = start.Headers.TryGetValues("OCI-Chunk-Min-Length", out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var min) ? min : (long?)null;
        return (_client.Location(start, "an upload"), chunkMin);
    }

    private void Send(ExportBlob blob, StrongBox<Uri> upload, long? chunkMin, string what, Action<long> progress, CancellationToken cancellationToken)
    {
        // Chunks when the registry asks for them (at least its minimum) or the options force them.
        int? chunkBytes = chunkMin is { } required
            ? (int)Math.Min(Math.Max(required, _client.Options.ChunkBytes ?? DefaultChunkBytes), int.MaxValue)
            : _client.Options.ChunkBytes;
        using var source = blob.Open(_store);
        HttpResponseMessage done;
        if (chunkBytes is null)
        {
            done = SendWhole(blob, source, upload.Value!, progress, what, cancellationToken);
        }
        else
        {
            using var counted = new ProgressReadStream(source, progress, cancellationToken);
            SendChunks(counted, upload, chunkBytes.Value, what, cancellationToken);
            done = _client.Send(HttpMethod.Put, WithDigest(upload.Value!, blob.Digest), _scope, cancellationToken);
        }

        using (done)
        {
            blob.Verify(_store, source);
            if (done.StatusCode != HttpStatusCode.Created)
            {
                throw RegistryErrors.FromResponse(done, "the upload of " + what, blob.Digest);
            }

            RegistryErrors.CheckStoredDigest(done, blob.Digest, "the upload of " + what, blob.Digest);
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
        stalled.CancelAfter(stall);
        using var counted = new ProgressReadStream(source, n => { stalled.CancelAfter(stall); progress(n); }, stalled.Token);
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

    private void SendChunks(Stream source, StrongBox<Uri> upload, int chunkBytes, string what, CancellationToken cancellationToken)
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
                return;
            }

            var start = offset;
            using var response = _client.Send(HttpMethod.Patch, upload.Value!, _scope, cancellationToken, request =>
            {
                request.Content = new ByteArrayContent(buffer, 0, n);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + n - 1}");
            });
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw RegistryErrors.FromResponse(response, "a chunk of " + what, what);
            }

            upload.Value = _client.Location(response, "a chunk");
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
