using LayerTools.Core.Layers;

namespace LayerTools.Core.Interchange;

/// <summary>A layer taken in by <see cref="LayerIngest"/>: its index (DiffID) and the blob it came as (the compressed form when <see cref="Compression"/> is not None).</summary>
internal sealed record IngestedLayer(LayerIndex Index, LayerCompression Compression, string Digest, long Size);
