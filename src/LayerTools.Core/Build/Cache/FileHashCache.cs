using System.Buffers.Binary;
using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Remembers the content digest of each build-context file by its size and mtime, so an unchanged
/// file is not read again to compute a cache key. A touched file is read once more and, its content
/// being the same, still hits the build cache: mtime never enters a key, it only decides whether to
/// re-hash. Kept per context folder in layertools/cache/files/&lt;hex&gt;.bin, a flat binary list (a
/// no-op rebuild of 50,000 files reads it in one go; its JSON form took longer to parse than the
/// context took to stat): "LTFH", version, count, then per file its UTF-8 path (length-prefixed),
/// size, mtime ticks and the 32 bytes of its sha256. A file that does not parse is an empty cache.
/// </summary>
internal sealed class FileHashCache
{
    private static readonly byte[] Magic = "LTFH"u8.ToArray();
    private const int Version = 1;
    private const string HexDigits = "0123456789abcdef";

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
        var path = Path.Combine(dir, Digest.Hex(Digest.Of(Path.GetFullPath(contextRoot))) + ".bin");
        var entries = File.Exists(path) ? Parse(File.ReadAllBytes(path)) : null;
        return new FileHashCache(path, store, entries ?? new Dictionary<string, Entry>(StringComparer.Ordinal));
    }

    /// <param name="relativePath">The file's path in the context.</param>
    /// <param name="size">Its size as the context scan saw it.</param>
    /// <param name="modifiedTicks">Its modification time in DateTime ticks (UTC), as the scan saw it.</param>
    /// <param name="digest">The remembered digest.</param>
    public bool TryGet(string relativePath, long size, long modifiedTicks, out string digest)
    {
        if (_entries.TryGetValue(relativePath, out var e) && e.Size == size && e.MTime == modifiedTicks)
        {
            digest = e.Digest;
            return true;
        }

        digest = string.Empty;
        return false;
    }

    public void Set(string relativePath, long size, long modifiedTicks, string digest)
    {
        Digest.Hex(digest);
        if (_entries.TryGetValue(relativePath, out var e) && e.Size == size && e.MTime == modifiedTicks && e.Digest == digest)
        {
            return;
        }

        _entries[relativePath] = new Entry(size, modifiedTicks, digest);
        _dirty = true;
    }

    public void Save()
    {
        if (!_dirty)
        {
            return;
        }

        var size = Magic.Length + 8 + _entries.Sum(p => 4 + Encoding.UTF8.GetByteCount(p.Key) + 16 + 32);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], _entries.Count);
        var at = 12;
        foreach (var (path, e) in _entries)
        {
            var n = Encoding.UTF8.GetBytes(path, span[(at + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], n);
            at += 4 + n;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], e.Size);
            BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], e.MTime);
            Convert.FromHexString(Digest.Hex(e.Digest)).CopyTo(span.Slice(at + 16, 32));
            at += 48;
        }

        _store.Access.CreateFolder(Path.GetDirectoryName(_path)!);
        _store.WriteFile(_path, bytes);
        _dirty = false;
    }

    private static Dictionary<string, Entry>? Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 12 || !bytes[..4].SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]) != Version)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (count < 0 || count > (bytes.Length - 12) / 52)
        {
            return null;
        }

        var entries = new Dictionary<string, Entry>(count, StringComparer.Ordinal);
        var at = 12;
        for (var i = 0; i < count; i++)
        {
            if (bytes.Length - at < 4)
            {
                return null;
            }

            var n = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            if (n < 0 || bytes.Length - at - 4 < n + 48)
            {
                return null;
            }

            var path = Encoding.UTF8.GetString(bytes.Slice(at + 4, n));
            at += 4 + n;
            var hash = bytes.Slice(at + 16, 32);
            var digest = string.Create(Digest.Sha256Prefix.Length + 64, hash.ToArray(), static (chars, h) =>
            {
                Digest.Sha256Prefix.CopyTo(chars);
                for (var j = 0; j < h.Length; j++)
                {
                    chars[Digest.Sha256Prefix.Length + (2 * j)] = HexDigits[h[j] >> 4];
                    chars[Digest.Sha256Prefix.Length + (2 * j) + 1] = HexDigits[h[j] & 0xF];
                }
            });
            entries[path] = new Entry(BinaryPrimitives.ReadInt64LittleEndian(bytes[at..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 8)..]), digest);
            at += 48;
        }

        return at == bytes.Length ? entries : null;
    }

    private readonly record struct Entry(long Size, long MTime, string Digest);
}
