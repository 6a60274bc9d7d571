using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Tests.Oci;

/// <summary>The store's JSON files (index.json, compressed-form records) are written byte for byte as JsonSerializer wrote them.</summary>
public sealed class JsonDocumentsTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ToUtf8BytesWritesWhatJsonSerializerWrote(bool indented)
    {
        var parsed = JsonNode.Parse("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"annotations":{"org.opencontainers.image.ref.name":"lib/<base>:1 & 'x'"}}]}""")!.AsObject();
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["size"] = 42_500_096L,
            ["ratio"] = 0.75,
            ["none"] = null,
            ["flag"] = true,
            ["name"] = "é \"quoted\" \n café/<tag>",
            ["manifests"] = new JsonArray(new JsonObject { ["digest"] = "sha256:" + new string('c', 64) }, parsed.DeepClone()),
        };

        var expected = JsonSerializer.SerializeToUtf8Bytes(index, new JsonSerializerOptions { WriteIndented = indented });
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(JsonDocuments.ToUtf8Bytes(index, indented)));
    }
}
