namespace LayerTools.Core.Store;

/// <summary>
/// Fetches a remote layer (and the remote layers below it) into the store when an operation needs its
/// files. Declared here so the store can fetch on demand; implemented where registries are known
/// (Registry.RegistryLayerFetcher), and attached to a <see cref="LayerStore"/> by whoever opens it.
/// A packed layer (its blob already in the store) is unpacked by the store itself, with this fetcher's
/// verbose output, progress and cancellation (the command's).
/// </summary>
internal interface IRemoteLayerFetcher
{
    void Fetch(LayerStore store, RemoteLayer layer, CancellationToken cancellationToken);

    /// <summary>Verbose output of the command that opened the store.</summary>
    Action<string>? Log => null;

    /// <summary>Progress of the command that opened the store.</summary>
    IProgress<OperationProgress>? Progress => null;

    /// <summary>The command's cancellation (Ctrl+C).</summary>
    CancellationToken CancellationToken => CancellationToken.None;

    /// <summary>
    /// Runs the store's own work for the command (unpacking packed layers) with the command's
    /// cancellation: <see cref="CancellationToken"/> unless the fetcher must watch its command another
    /// way (a drive's, whose stores serve every command of the process).
    /// </summary>
    void Run(Action<CancellationToken> work) => work(CancellationToken);
}
