using LayerTools.Core.Images;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Interchange;

/// <summary>One image as an export writes it: its manifest (with the platform its config names), config, layers as exported, DiffIDs, and names.</summary>
internal sealed record ExportedImage(Descriptor Manifest, Descriptor Config, IReadOnlyList<Descriptor> Layers, IReadOnlyList<string> DiffIds, IReadOnlyList<ImageReference> Names);
