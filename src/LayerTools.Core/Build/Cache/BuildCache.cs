using System.Text.Json;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// The build cache: layertools/cache/steps/&lt;key hex&gt;.json → what the step produced. Records are
/// written once (temp + rename) and trusted only while the layer they name is still in the store.
/// </summary>
internal sealed class BuildCache : IBlobOwner
{
    private readonly LayerStore _store;

    public BuildCache(LayerStore store)
    {
        _store = store;
        Directory = Path.Combine(store.DataDir, "cache", "steps");
    }

    public string Directory { get; }

    public CacheRecord? Get(string key)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var record = JsonSerializer.Deserialize<CacheRecord>(File.ReadAllBytes(path));
            // A remote layer (from a cache image, not fetched yet) counts: the step takes it without its bytes.
            if (record is null || (record.DiffId is not null && !_store.HasBlob(record.DiffId) && !RemoteLayers.IsRemote(_store, record.DiffId)))
            {
                return null;
            }

            return record;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Put(string key, CacheRecord record)
    {
        _store.Access.CreateFolder(Directory);
        _store.WriteFile(PathOf(key), JsonSerializer.SerializeToUtf8Bytes(record));
    }

    /// <summary>Every DiffID the cache still names, so that collecting garbage keeps cached layers (a later build still hits).</summary>
    public IEnumerable<string> RootLayers()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            CacheRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<CacheRecord>(File.ReadAllBytes(file));
            }
            catch (JsonException)
            {
                continue;
            }

            if (record?.DiffId is { } diffId && Digest.IsValid(diffId))
            {
                yield return diffId;
            }
        }
    }

    private string PathOf(string key) => Path.Combine(Directory, Digest.Hex(key) + ".json");
}
