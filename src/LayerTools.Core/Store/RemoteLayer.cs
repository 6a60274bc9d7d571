using LayerTools.Core.Oci;

namespace LayerTools.Core.Store;

/// <summary>
/// A layer the store knows but has not fetched: its DiffID, the compressed blob that holds it in a
/// registry (media type, digest, size), where that blob is (registry and repository), and the layers
/// below it in the image it came with (base first), which its entry index is made over when it is fetched.
/// </summary>
internal sealed record RemoteLayer(string DiffId, Descriptor Blob, string Registry, string Repository, IReadOnlyList<string> Below);
