using System.Net;
using System.Net.Http.Headers;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// One blob of a registry as a stream, read once as it arrives (its reader hashes it). When the
/// connection drops part-way, the next attempt asks only for the rest (<c>Range: bytes=N-</c>) and
/// goes on after the bytes already given if the registry answers 206; a registry that answers 200
/// instead sends the whole blob again, and its first N bytes are skipped (the reader's digest covers
/// the bytes given, so a registry that sent other bytes the second time is still caught). More bytes
/// than the descriptor says, a Content-Length promising more, a blob that ends short, or a transfer
/// that stalls are refused, not tried again.
/// </summary>
internal sealed class BlobFetcher : ReadOnlyStream
{
    private readonly RegistryClient _client;
    private readonly string _repository;
    private readonly Descriptor _blob;
    private readonly string _where;
    private readonly Action<long> _progress;
    private readonly CancellationToken _cancellationToken;
    private HttpResponseMessage? _response;
    private TransferStream? _body;
    private long _held;
    private long _skip;
    private int _attempt = 1;

    /// <summary>Asks the registry for <paramref name="blob"/>; <paramref name="progress"/> gets the bytes given so far.</summary>
    public BlobFetcher(RegistryClient client, string repository, Descriptor blob, string where, Action<long> progress, CancellationToken cancellationToken)
    {
        _client = client;
        _repository = repository;
        _blob = blob;
        _where = where;
        _progress = progress;
        _cancellationToken = cancellationToken;
        Open();
    }

    protected override long BytesGiven => _held;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int n;
        while (true)
        {
            try
            {
                n = ReadBody(buffer);
                break;
            }
            catch (LayerToolsException ex) when (ex.ErrorId == TransferStream.BrokenOff && _attempt < RegistryClient.Attempts && !_cancellationToken.IsCancellationRequested)
            {
                CloseBody();
                RegistryClient.Backoff(_attempt++, null, _cancellationToken);
                Open();
            }
        }

        if (n == 0)
        {
            return _held == _blob.Size
                ? 0
                : throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{_where}': the blob is {_held} bytes, not {_blob.Size} as the manifest says.", _where);
        }

        if (_held + n > _blob.Size)
        {
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{_where}': the blob is larger than the {_blob.Size} bytes the manifest says.", _where);
        }

        _held += n;
        _progress(_held);
        return n;
    }

    /// <summary>The next bytes of the body, after skipping what a registry that sent the blob again from its start had sent already.</summary>
    private int ReadBody(Span<byte> buffer)
    {
        while (_skip > 0)
        {
            var skipped = _body!.Read(buffer[..(int)Math.Min(buffer.Length, _skip)]);
            if (skipped == 0)
            {
                return 0;
            }

            _skip -= skipped;
        }

        return _body!.Read(buffer);
    }

    private void Open()
    {
        var resumeFrom = _held;
        var response = _client.Send(HttpMethod.Get, $"/v2/{_repository}/blobs/{_blob.Digest}", RegistryClient.PullScope(_repository), _cancellationToken, request =>
        {
            RegistryClient.AcceptAnything(request);
            if (resumeFrom > 0)
            {
                request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
            }
        });
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw RegistryErrors.FromResponse(response, _where, _where);
            }

            var partial = resumeFrom > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (partial && !ContinuesAt(response, resumeFrom))
            {
                throw new LayerToolsException("RegistryError", ErrorKind.InvalidData, $"'{_where}': asked for the bytes from {resumeFrom} on, the registry sent another range ({response.Content.Headers.ContentRange}).", _where);
            }

            // The registry does not serve ranges: the whole blob comes again, and what was given already is skipped.
            var from = partial ? resumeFrom : 0;
            _skip = resumeFrom - from;
            if (response.Content.Headers.ContentLength > _blob.Size - from)
            {
                throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{_where}': the registry promises {from + response.Content.Headers.ContentLength} bytes (Content-Length), but the manifest says the blob is {_blob.Size}.", _where);
            }

            _body = new TransferStream(response, _client.Options.StallTimeout, _where, _cancellationToken);
            _response = response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private void CloseBody()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }

    /// <summary>True when the registry answered a range request with the rest of the blob from <paramref name="held"/>.</summary>
    private static bool ContinuesAt(HttpResponseMessage response, long held) =>
        response.Content.Headers.ContentRange is { From: { } from, Unit: "bytes" } && from == held;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseBody();
        }

        base.Dispose(disposing);
    }
}
