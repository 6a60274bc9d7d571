namespace LayerTools.Core.Store;

/// <summary>
/// The remote-layer records as a blob owner: they keep no blob (a remote layer has none here); a
/// record of a layer no live image or cache record lists goes, unless it is new enough to belong to
/// a pull or build still running.
/// </summary>
internal sealed class RemoteLayerRecords : IBlobOwner
{
    private readonly LayerStore _store;

    public RemoteLayerRecords(LayerStore store) => _store = store;

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
