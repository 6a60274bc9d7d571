using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// Fetches remote layers from the registry their records name, for the command that opened the store:
/// signed in as that command was asked to (its -Credential and -SkipCertificateCheck, else the saved
/// credentials), stopped by its Ctrl+C, with the per-blob progress a pull shows. It fetches the layer
/// and every remote layer below it, base first, each checked against its digest and DiffID and
/// indexed over the layers below, in one commit: a fetch stopped half-way leaves the store as it was.
/// </summary>
internal sealed class RegistryLayerFetcher : IRemoteLayerFetcher
{
    /// <summary>How to sign in to the registries the layers are in.</summary>
    public RegistrySignIn SignIn { get; init; } = RegistrySignIn.Saved;

    /// <summary>Progress of the transfers (a record for the whole, a child record per blob), as a pull reports it.</summary>
    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>The command's cancellation (Ctrl+C): it stops a fetch under way.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Called before each fetch with what is fetched and from where, for verbose output.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Attaches a fetcher with saved credentials to <paramref name="store"/> unless it has one (the command's own, attached when it opened the store).</summary>
    public static void AttachTo(LayerStore store, Action<string>? log = null) => store.RemoteFetcher ??= new RegistryLayerFetcher { Log = log };

    public void Fetch(LayerStore store, RemoteLayer layer, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
        var chain = layer.Below.Append(layer.DiffId)
            .Where(d => !store.HasBlob(d) || !File.Exists(store.LayerIndexPath(d)))
            .Select(d => RemoteLayers.Get(store, d) ?? throw new LayerToolsException("LayerNotFetched", ErrorKind.ObjectNotFound, $"Layer {d}, below {layer.DiffId}, is neither in the store nor known in a registry; pull the image again.", d))
            .ToList();
        var tried = chain.Select(l => new HashSet<string>(StringComparer.Ordinal) { l.Blob.Digest }).ToList();

        // Runs of layers from the same repository go in one staging area (a layer is indexed over those below it).
        for (var start = 0; start < chain.Count;)
        {
            var first = chain[start];
            var count = chain.Skip(start).TakeWhile(l => l.Registry == first.Registry && l.Repository == first.Repository).Count();
            var name = first.Registry + "/" + first.Repository;
            var endpoint = RegistryEndpoint.For(ImageReference.Parse(name));
            using var client = SignIn.Open(endpoint);
            try
            {
                FetchRun(store, client, chain.GetRange(start, count), name, SignIn.Describe(endpoint), linked.Token);
            }
            catch (LayerToolsException gone) when (gone.Kind == ErrorKind.ObjectNotFound && !linked.IsCancellationRequested)
            {
                // A blob (or its repository) is gone from where the record says: the layers of the run
                // the repository no longer has move to another blob the record names, each tried once.
                if (!MoveToOtherBlobs(client, chain, tried, start, count, linked.Token))
                {
                    throw;
                }

                continue;
            }

            start += count;
        }
    }

    private void FetchRun(LayerStore store, RegistryClient client, IReadOnlyList<RemoteLayer> run, string name, string how, CancellationToken cancellationToken)
    {
        Log?.Invoke($"Fetching {run.Count} remote layer(s) from {name} ({string.Join(", ", run.Select(l => Digests.Digest.Short(l.Blob.Digest)))}) {how}: their files are needed.");
        var wanted = run.Select(l => new LayerFetcher.Wanted(l.Blob, l.DiffId, l.Below)).ToList();
        LayerFetcher.Fetch(store, client, run[0].Repository, wanted, name, null, Progress, cancellationToken);
    }

    /// <summary>
    /// For each layer of the run <c>chain[start..start+count)</c> whose blob the repository no longer has
    /// (a HEAD says so), takes the next blob its record names that has not been tried; true when one moved.
    /// </summary>
    private bool MoveToOtherBlobs(RegistryClient client, List<RemoteLayer> chain, List<HashSet<string>> tried, int start, int count, CancellationToken cancellationToken)
    {
        var moved = false;
        for (var i = start; i < start + count; i++)
        {
            var layer = chain[i];
            if (layer.Sources.FirstOrDefault(s => !tried[i].Contains(s.Blob.Digest)) is not { } next
                || client.HasBlob(layer.Repository, layer.Blob.Digest, RegistryClient.PullScope(layer.Repository), cancellationToken))
            {
                continue;
            }

            Log?.Invoke($"{layer.Registry}/{layer.Repository} no longer has blob {layer.Blob.Digest} of layer {layer.DiffId}: fetching the layer from {next.Registry}/{next.Repository} ({next.Blob.Digest}), which holds it too.");
            tried[i].Add(next.Blob.Digest);
            chain[i] = layer.From(next);
            moved = true;
        }

        return moved;
    }
}
