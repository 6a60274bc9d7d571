using LayerTools.Core.Oci;

namespace LayerTools.Core.Store;

/// <summary>One compressed blob that holds a remote layer (media type, digest, size) and where it is: registry and repository.</summary>
internal sealed record RemoteBlob(Descriptor Blob, string Registry, string Repository);
