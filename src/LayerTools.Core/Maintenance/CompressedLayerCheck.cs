using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Maintenance;

/// <summary>
/// Test-LayerStore's check of the compressed layer blobs the store keeps as they came (a pull's packed
/// layers, an image's own blob for a layer): each is read once and inflated as it streams, nothing
/// written, under the limits an unpack applies, and the tar it holds must hash to the DiffID its
/// image's config (or its remote-layer record) gives it. A blob that inflates to another DiffID, or
/// cannot be inflated (damaged, a decompression bomb past $env:LAYERTOOLS_MAX_LAYER_BYTES), would
/// otherwise be found only when the layer is first unpacked, or never (a push sends it as it is).
/// </summary>
internal sealed class CompressedLayerCheck
{
    private readonly Dictionary<string, List<(string DiffId, string MediaType, string Label)>> _expected = new(StringComparer.Ordinal);

    /// <summary>Expects the compressed blob <paramref name="layer"/> to inflate to <paramref name="diffId"/> (an uncompressed blob is its own DiffID, checked as a layer).</summary>
    public void Expect(Descriptor layer, string diffId, string label)
    {
        if (layer.Digest == diffId || LayerCodec.FromMediaType(layer.MediaType) == LayerCompression.None)
        {
            return;
        }

        if (!_expected.TryGetValue(layer.Digest, out var list))
        {
            _expected[layer.Digest] = list = [];
        }

        if (!list.Any(e => e.DiffId == diffId))
        {
            list.Add((diffId, layer.MediaType, label));
        }
    }

    /// <summary>Expects each blob a remote-layer record names that is in the store to inflate to the record's DiffID.</summary>
    public void ExpectRecords(LayerStore store)
    {
        foreach (var layer in RemoteLayers.Records(store).Select(r => r.Layer).OfType<RemoteLayer>())
        {
            foreach (var source in layer.Sources.Where(s => store.HasBlob(s.Blob.Digest)))
            {
                Expect(source.Blob, layer.DiffId, $"the remote-layer record of {layer.DiffId}");
            }
        }
    }

    /// <summary>True when <paramref name="digest"/> is a compressed layer blob this check reads (instead of only hashing it).</summary>
    public bool Covers(string digest) => _expected.ContainsKey(digest);

    /// <summary>The problems of one compressed layer blob: none when it is its digest and inflates to every DiffID expected of it.</summary>
    public IEnumerable<StoreProblem> Check(LayerStore store, string digest, CancellationToken cancellationToken)
    {
        var expected = _expected[digest];
        var (_, mediaType, label) = expected[0];
        var path = store.BlobPath(digest);
        var where = $"layer blob {digest} ({label})";
        string diffId;
        try
        {
            using var fs = store.OpenBlob(digest);
            diffId = LayerIngest.Inflate(fs, LayerCodec.FromMediaType(mediaType), where, digest, IngestLimits.Default, cancellationToken);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "BlobNotFound")
        {
            // Collected since it was listed (a missing referenced blob is reported with its image).
            return [];
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "DigestMismatch")
        {
            return [new StoreProblem { Kind = "BlobDigestMismatch", Target = digest, Path = path, Message = $"Blob {digest} holds content of another digest: it is corrupt. {ex.Message}" }];
        }
        catch (LayerToolsException ex)
        {
            return [new StoreProblem { Kind = "CorruptLayer", Target = digest, Path = path, Message = $"Layer blob {digest} ({label}) cannot be unpacked: {ex.Message}" }];
        }

        return expected.Where(e => e.DiffId != diffId)
            .Select(e => new StoreProblem { Kind = "DiffIdMismatch", Target = digest, Path = path, Message = $"Layer blob {digest} ({e.Label}) inflates to a layer whose DiffID is {diffId}, but {e.DiffId} is expected; it was damaged or altered, and unpacking it would fail. Remove the image and pull it again." })
            .ToList();
    }
}
