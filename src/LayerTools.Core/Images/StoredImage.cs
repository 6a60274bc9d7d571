using LayerTools.Core.Oci;

namespace LayerTools.Core.Images;

/// <summary>An image entry of the store's index.json: its manifest descriptor and the name it carries (null when untagged).</summary>
internal sealed record StoredImage(Descriptor Manifest, ImageReference? Reference);
