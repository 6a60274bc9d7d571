using System.Text.Json.Nodes;

namespace LayerTools.Core.Registry;

/// <summary>A manifest or index as the registry sent it: the exact bytes, their media type and digest, and the parsed JSON.</summary>
internal sealed record FetchedManifest(byte[] Bytes, string MediaType, string Digest, JsonObject Json);
