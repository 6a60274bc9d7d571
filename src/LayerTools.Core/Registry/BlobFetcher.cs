using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// Downloads one blob into a file, hashing each byte as it is written. When the connection drops
/// part-way, the next attempt asks only for the rest (<c>Range: bytes=N-</c>) and goes on from the
/// bytes already hashed and written if the registry answers 206; a registry that answers 200 instead
/// sends the whole blob again and the file starts over. More bytes than the descriptor says, a digest
/// that does not match, a Content-Length promising more, or a transfer that stalls are refused, not tried again.
/// </summary>
internal static class BlobFetcher
{
    /// <summary>Fetches <paramref name="blob"/> into <paramref name="path"/> (created or truncated); <paramref name="progress"/> gets the bytes held so far.</summary>
    public static void Fetch(RegistryClient client, string repository, Descriptor blob, string path, string where, Action<long> progress, CancellationToken cancellationToken)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long held = 0;
        for (var attempt = 1; ; attempt++)
        {
            var resumeFrom = held;
            using var response = client.Send(HttpMethod.Get, $"/v2/{repository}/blobs/{blob.Digest}", RegistryClient.PullScope(repository), cancellationToken, request =>
            {
                RegistryClient.AcceptAnything(request);
                if (resumeFrom > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
                }
            });
            if (!response.IsSuccessStatusCode)
            {
                throw RegistryErrors.FromResponse(response, where, where);
            }

            if (held > 0 && response.StatusCode == HttpStatusCode.PartialContent && !ContinuesAt(response, held))
            {
                throw new LayerToolsException("RegistryError", ErrorKind.InvalidData, $"'{where}': asked for the bytes from {held} on, the registry sent another range ({response.Content.Headers.ContentRange}).", where);
            }

            if (held > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            {
                // The registry does not serve ranges: the whole blob comes again.
                held = 0;
                file.SetLength(0);
                file.Position = 0;
                hash.GetHashAndReset();
            }

            if (response.Content.Headers.ContentLength > blob.Size - held)
            {
                throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the registry promises {held + response.Content.Headers.ContentLength} bytes (Content-Length), but the manifest says the blob is {blob.Size}.", where);
            }

            try
            {
                using var body = new TransferStream(response, client.Options.StallTimeout, where, cancellationToken);
                int n;
                while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (held + n > blob.Size)
                    {
                        throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the blob is larger than the {blob.Size} bytes the manifest says.", where);
                    }

                    hash.AppendData(buffer, 0, n);
                    file.Write(buffer, 0, n);
                    held += n;
                    progress(held);
                }
            }
            catch (LayerToolsException ex) when (ex.ErrorId == TransferStream.BrokenOff && attempt < RegistryClient.Attempts && !cancellationToken.IsCancellationRequested)
            {
                RegistryClient.Backoff(attempt, null, cancellationToken);
                continue;
            }

            break;
        }

        var digest = Digest.FromHash(hash.GetHashAndReset());
        if (held != blob.Size)
        {
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{where}': the blob is {held} bytes, not {blob.Size} as the manifest says.", where);
        }

        if (digest != blob.Digest)
        {
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{where}': the blob's digest is {digest}, not {blob.Digest} as the manifest says; it was damaged or altered.", where);
        }

        file.Flush(flushToDisk: true);
    }

    /// <summary>True when the registry answered a range request with the rest of the blob from <paramref name="held"/>.</summary>
    private static bool ContinuesAt(HttpResponseMessage response, long held) =>
        response.Content.Headers.ContentRange is { From: { } from, Unit: "bytes" } && from == held;
}
