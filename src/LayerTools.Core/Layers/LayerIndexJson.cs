using System.Text.Json.Serialization;

namespace LayerTools.Core.Layers;

/// <summary>
/// The serializer of <see cref="LayerIndex"/>, made at build time (System.Text.Json's source generator)
/// instead of by reflection on first use: the same JSON both ways, but a command's first index no
/// longer costs the reflection and some 750 methods compiled (about 0.1 CPU-s in a fresh session,
/// on a pull's busy cores).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(LayerIndex))]
internal sealed partial class LayerIndexJson : JsonSerializerContext;
