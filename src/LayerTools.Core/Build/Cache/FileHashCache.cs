using System.Text.Json;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Remembers the content digest of each build-context file by its size and mtime, so an unchanged
/// file is not read again to compute a cache key. A touched file is read once more and, its content
/// being the same, still hits the build cache: mtime never enters a key, it only decides whether to
/// re-hash. Kept per context folder in layertools/cache/files/.
/// </summary>
internal sealed class FileHashCache
{
    private readonly string _path;
    private readonly LayerStore _store;
    private readonly Dictionary<string, Entry> _entries;
    private bool _dirty;

    private FileHashCache(string path, LayerStore store, Dictionary<string, Entry> entries)
    {
        _path = path;
        _store = store;
        _entries = entries;
    }

    public static FileHashCache Load(LayerStore store, string contextRoot)
    {
        var dir = Path.Combine(store.DataDir, "cache", "files");
        var path = Path.Combine(dir, Digest.Hex(Digest.Of(Path.GetFullPath(contextRoot))) + ".json");
        Dictionary<string, Entry>? entries = null;
        if (File.Exists(path))
        {
            try
            {
                entries = JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllBytes(path));
            }
            catch (JsonException)
            {
                entries = null;
            }
        }

        return new FileHashCache(path, store, entries ?? new Dictionary<string, Entry>(StringComparer.Ordinal));
    }

    /// <param name="relativePath">The file's path in the context.</param>
    /// <param name="size">Its size as the context scan saw it.</param>
    /// <param name="modifiedTicks">Its modification time in DateTime ticks (UTC), as the scan saw it.</param>
    /// <param name="digest">The remembered digest.</param>
    public bool TryGet(string relativePath, long size, long modifiedTicks, out string digest)
    {
        if (_entries.TryGetValue(relativePath, out var e) && e.Size == size && e.MTime == modifiedTicks && Digest.IsValid(e.Digest))
        {
            digest = e.Digest;
            return true;
        }

        digest = string.Empty;
        return false;
    }

    public void Set(string relativePath, long size, long modifiedTicks, string digest)
    {
        if (_entries.TryGetValue(relativePath, out var e) && e.Size == size && e.MTime == modifiedTicks && e.Digest == digest)
        {
            return;
        }

        _entries[relativePath] = new Entry { Size = size, MTime = modifiedTicks, Digest = digest };
        _dirty = true;
    }

    public void Save()
    {
        if (!_dirty)
        {
            return;
        }

        _store.Access.CreateFolder(Path.GetDirectoryName(_path)!);
        _store.WriteFile(_path, JsonSerializer.SerializeToUtf8Bytes(_entries));
        _dirty = false;
    }

    internal sealed class Entry
    {
        public long Size { get; set; }

        public long MTime { get; set; }

        public string Digest { get; set; } = string.Empty;
    }
}
