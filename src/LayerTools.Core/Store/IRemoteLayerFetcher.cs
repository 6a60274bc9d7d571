namespace LayerTools.Core.Store;

/// <summary>
/// Fetches a remote layer (and the remote layers below it) into the store when an operation needs its
/// files. Declared here so the store can fetch on demand; implemented where registries are known
/// (Registry.RegistryLayerFetcher), and attached to a <see cref="LayerStore"/> by whoever opens it.
/// </summary>
internal interface IRemoteLayerFetcher
{
    void Fetch(LayerStore store, RemoteLayer layer, CancellationToken cancellationToken);
}
