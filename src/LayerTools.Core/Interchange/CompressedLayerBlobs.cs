using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// The compressed-layer cache as a blob owner: a compressed form stays while its layer does;
/// otherwise its blob and its record go together (a record alone would be ignored; a blob alone
/// would never be found).
/// </summary>
internal sealed class CompressedLayerBlobs : IBlobOwner
{
    private readonly LayerStore _store;

    public CompressedLayerBlobs(LayerStore store) => _store = store;

    public IEnumerable<string> KeptFor(IReadOnlySet<string> liveLayers) =>
        CompressedLayerCache.Records(_store).Where(r => IsLive(r.DiffId, r.Digest, liveLayers)).Select(r => r.Digest!);

    public void Sweep(IReadOnlySet<string> liveLayers, DateTime olderThan)
    {
        foreach (var record in CompressedLayerCache.Records(_store).Where(r => !IsLive(r.DiffId, r.Digest, liveLayers)).ToList())
        {
            AtomicFile.TryDelete(record.Path);
        }
    }

    private bool IsLive(string? diffId, string? digest, IReadOnlySet<string> liveLayers) =>
        diffId is not null && liveLayers.Contains(diffId) && _store.HasBlob(digest!);
}
