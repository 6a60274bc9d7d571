namespace LayerTools.Core.Store;

/// <summary>
/// The running operations, as an owner of blobs: every digest a live <see cref="Lease"/> holds stays
/// (taken as a layer, so its snapshot and compressed forms stay too), and dead leases are reclaimed
/// on the way (<see cref="LeaseSweeper"/>).
/// </summary>
internal sealed class LeaseHolds : IBlobOwner
{
    private readonly LayerStore _store;

    public LeaseHolds(LayerStore store) => _store = store;

    public IEnumerable<string> RootLayers() => LeaseSweeper.LiveHolds(_store);
}
