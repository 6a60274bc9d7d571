using LayerTools.Core.Oci;

namespace LayerTools.Core.Store;

/// <summary>
/// A layer the store knows but has not fetched: its DiffID, the compressed blob that holds it in a
/// registry (media type, digest, size), where that blob is (registry and repository), and the layers
/// below it in the image it came with (base first), which its entry index is made over when it is fetched.
/// </summary>
internal sealed record RemoteLayer(string DiffId, Descriptor Blob, string Registry, string Repository, IReadOnlyList<string> Below)
{
    /// <summary>
    /// Other blobs that hold the same layer (the same tar compressed by another tool, in another image
    /// the store knows), each where it is: every image's blob for the layer stays covered, whichever was
    /// recorded first.
    /// </summary>
    public IReadOnlyList<RemoteBlob> Others { get; init; } = [];

    /// <summary>Every blob known to hold the layer: <see cref="Blob"/> first, then <see cref="Others"/>.</summary>
    public IEnumerable<RemoteBlob> Sources => Others.Prepend(new RemoteBlob(Blob, Registry, Repository));

    /// <summary>The same layer with <paramref name="source"/> as its blob (fetched, unpacked or mounted from), the others after it.</summary>
    public RemoteLayer From(RemoteBlob source) =>
        this with { Blob = source.Blob, Registry = source.Registry, Repository = source.Repository, Others = Sources.Where(s => s.Blob.Digest != source.Blob.Digest).ToList() };
}
