namespace LayerTools.Core.Store;

/// <summary>
/// The remote-layer records as a blob owner: a packed layer that stays (a build cache record may name
/// it after its image is gone) keeps its compressed blob until it is unpacked; a record of a layer no
/// live image or cache record lists goes, unless it is new enough to belong to a pull or build still running.
/// </summary>
internal sealed class RemoteLayerRecords : IBlobOwner
{
    private readonly LayerStore _store;

    public RemoteLayerRecords(LayerStore store) => _store = store;

    public IEnumerable<string> KeptFor(IReadOnlySet<string> liveLayers) =>
        RemoteLayers.Records(_store)
            .Where(r => r.Layer is { } layer && liveLayers.Contains(layer.DiffId) && !File.Exists(_store.LayerIndexPath(layer.DiffId)))
            .SelectMany(r => r.Layer!.Sources.Select(s => s.Blob.Digest))
            .ToList();

    public void Sweep(IReadOnlySet<string> liveLayers, DateTime olderThan)
    {
        foreach (var (path, layer) in RemoteLayers.Records(_store).ToList())
        {
            if ((layer is null || !liveLayers.Contains(layer.DiffId)) && File.GetLastWriteTimeUtc(path) < olderThan)
            {
                AtomicFile.TryDelete(path);
            }
        }
    }
}
