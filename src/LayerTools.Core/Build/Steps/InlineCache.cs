using System.Text.Json.Nodes;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// The build cache an image carries in its config (as BuildKit's inline cache does): under
/// <see cref="Field"/>, each step's cache key and what it produced. <c>-CacheFrom</c> reads it from an
/// image (in the store, or pulled from its registry) into the store's build cache, so a fresh store
/// building the same project hits every step whose layer came with the image.
/// </summary>
internal static class InlineCache
{
    public const string Field = "io.layertools.cache.v1";

    /// <summary>The config field for the steps used in a build: those with no layer, and those whose layer the image has.</summary>
    public static JsonArray ToJson(IEnumerable<(string Key, CacheRecord Record)> steps, IReadOnlyCollection<string> diffIds)
    {
        // A key looked up and then made again keeps what was made (the last record), in first-seen order.
        var last = new Dictionary<string, CacheRecord>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (key, record) in steps)
        {
            if (!last.ContainsKey(key))
            {
                order.Add(key);
            }

            last[key] = record;
        }

        var array = new JsonArray();
        foreach (var key in order)
        {
            var record = last[key];
            if (record.DiffId is { } diffId && !diffIds.Contains(diffId))
            {
                continue;
            }

            array.Add(new JsonObject
            {
                ["key"] = key,
                ["diffId"] = record.DiffId,
                ["createdBy"] = record.CreatedBy,
                ["comment"] = record.Comment,
                ["created"] = record.Created,
                ["config"] = record.ConfigJson,
            });
        }

        return array;
    }

    /// <summary>Puts the steps an image's config carries into the build cache; returns how many it took.</summary>
    public static int Import(LayerStore store, BuildCache cache, string configDigest)
    {
        var config = JsonDocuments.ParseObject(store.ReadBlob(configDigest, Tar.IngestLimits.Default.MaxConfigBytes), configDigest, "InvalidConfig");
        return ImportSteps(store, cache, config[Field] as JsonArray);
    }

    /// <summary>Puts steps in the form <see cref="ToJson"/> writes into the build cache (those whose layer the store has, or knows as a remote layer); returns how many it took.</summary>
    public static int ImportSteps(LayerStore store, BuildCache cache, JsonArray? steps)
    {
        if (steps is null)
        {
            return 0;
        }

        var taken = 0;
        foreach (var step in steps.OfType<JsonObject>())
        {
            var key = JsonDocuments.GetString(step, "key");
            var diffId = JsonDocuments.GetString(step, "diffId");
            if (!Digest.IsValid(key) || (diffId is not null && (!Digest.IsValid(diffId) || !(store.HasBlob(diffId) || RemoteLayers.IsRemote(store, diffId)))))
            {
                continue;
            }

            cache.Put(key!, new CacheRecord
            {
                DiffId = diffId,
                CreatedBy = JsonDocuments.GetString(step, "createdBy"),
                Comment = JsonDocuments.GetString(step, "comment"),
                Created = JsonDocuments.GetString(step, "created"),
                ConfigJson = JsonDocuments.GetString(step, "config"),
            });
            taken++;
        }

        return taken;
    }
}
