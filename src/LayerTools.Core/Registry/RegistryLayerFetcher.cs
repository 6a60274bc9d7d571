using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// Fetches remote layers from the registry their records name, with the credentials saved for it (as
/// a FROM pull uses): the layer and every remote layer below it, base first, each checked against its
/// digest and DiffID and indexed over the layers below, in one commit.
/// </summary>
internal sealed class RegistryLayerFetcher : IRemoteLayerFetcher
{
    /// <summary>Called before each fetch with what is fetched and why it was needed, for verbose output.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Attaches a fetcher to <paramref name="store"/> unless it has one.</summary>
    public static void AttachTo(LayerStore store, Action<string>? log = null) => store.RemoteFetcher ??= new RegistryLayerFetcher { Log = log };

    public void Fetch(LayerStore store, RemoteLayer layer, CancellationToken cancellationToken)
    {
        var chain = layer.Below.Append(layer.DiffId)
            .Where(d => !store.HasBlob(d) || !File.Exists(store.LayerIndexPath(d)))
            .Select(d => RemoteLayers.Get(store, d) ?? throw new LayerToolsException("LayerNotFetched", ErrorKind.ObjectNotFound, $"Layer {d}, below {layer.DiffId}, is neither in the store nor known in a registry; pull the image again.", d))
            .ToList();

        // Runs of layers from the same repository go in one staging area (a layer is indexed over those below it).
        for (var start = 0; start < chain.Count;)
        {
            var first = chain[start];
            var run = chain.Skip(start).TakeWhile(l => l.Registry == first.Registry && l.Repository == first.Repository).ToList();
            var name = first.Registry + "/" + first.Repository;
            Log?.Invoke($"Fetching {run.Count} remote layer(s) from {name} ({string.Join(", ", run.Select(l => Digests.Digest.Short(l.Blob.Digest)))}): their files are needed.");
            var endpoint = RegistryEndpoint.For(ImageReference.Parse(name));
            using var client = new RegistryClient(endpoint, new RegistryOptions { Credential = CredentialStore.Find(endpoint)?.Credential });
            var wanted = run.Select(l => new LayerFetcher.Wanted(l.Blob, l.DiffId, l.Below)).ToList();
            LayerFetcher.Fetch(store, client, first.Repository, wanted, name, null, null, cancellationToken);
            start += run.Count;
        }
    }
}
