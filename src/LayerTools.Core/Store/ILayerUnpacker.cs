namespace LayerTools.Core.Store;

/// <summary>
/// Unpacks packed layers: remote layers whose compressed blob a pull put in the store (see
/// <see cref="RemoteLayers"/>). Each is inflated from its local blob, checked against its digest and
/// DiffID, indexed over the layers below it (base first), and committed with the rest in one staging
/// commit; no network. Declared here so the store unpacks on first use whoever opened it; implemented
/// in Interchange (which has the codecs and the one-pass ingest, on a floor above the store) and
/// attached once, when the core assembly loads (<see cref="LayerStore.Unpacker"/>).
/// </summary>
internal interface ILayerUnpacker
{
    /// <param name="layers">Packed layers, base first, each standing on those before it or on layers the store has unpacked.</param>
    /// <param name="log">Verbose output of the command that needs the files, if any.</param>
    void Unpack(LayerStore store, IReadOnlyList<RemoteLayer> layers, Action<string>? log, IProgress<OperationProgress>? progress, CancellationToken cancellationToken);
}
