using System.Buffers.Binary;
using System.Text;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Digests;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Copy;

/// <summary>
/// Remembers the content digest of each build-context file by its size and mtime, so an unchanged
/// file is not read again to compute a cache key. A touched file is read once more and, its content
/// being the same, still hits the build cache: mtime never enters a key, it only decides whether to
/// re-hash. Kept per context folder in layertools/cache/files/&lt;hex&gt;.bin, a flat binary list (a
/// no-op rebuild of 50,000 files reads it in one go; its JSON form took longer to parse than the
/// context took to stat): "LTFH", version, count, then per file its UTF-8 path (length-prefixed),
/// size, mtime ticks and the 32 bytes of its sha256. A file that does not parse is an empty cache.
/// Loading gives each scanned entry whose size and mtime match its hash (<see cref="ContextEntry.ContentHash"/>, the 32 bytes: no digest string per file)
/// and keeps nothing else: the context's entries are the cache while the build runs, and what is saved.
/// </summary>
internal sealed class FileHashCache
{
    private static readonly byte[] Magic = "LTFH"u8.ToArray();
    private const int Version = 1;
    private const int RecordTail = 16 + 32;

    private readonly string _path;
    private readonly LayerStore _store;
    private readonly BuildContext _context;
    private bool _dirty;

    private FileHashCache(string path, LayerStore store, BuildContext context)
    {
        _path = path;
        _store = store;
        _context = context;
    }

    /// <summary>Reads the context's hash cache and gives its scanned files the digests that still hold.</summary>
    public static FileHashCache Load(LayerStore store, BuildContext context)
    {
        var dir = Path.Combine(store.DataDir, "cache", "files");
        var path = Path.Combine(dir, Digest.Hex(Digest.Of(context.Root)) + ".bin");
        var cache = new FileHashCache(path, store, context);
        if (File.Exists(path) && !cache.Apply(path))
        {
            // A file that does not parse: whatever it gave is dropped, and it is written anew.
            foreach (var e in context.Entries)
            {
                e.ContentHash = null;
            }

            cache._dirty = true;
        }

        return cache;
    }

    /// <summary>The digest of <paramref name="entry"/>'s content, when known without reading it.</summary>
    public static bool TryGet(ContextEntry entry, out string digest)
    {
        digest = entry.ContentHash?.ToString() ?? string.Empty;
        return entry.ContentHash is not null;
    }

    /// <summary>True when <paramref name="entry"/>'s digest is known without reading it.</summary>
    public static bool IsKnown(ContextEntry entry) => entry.ContentHash is not null;

    /// <summary>Remembers the digest of <paramref name="entry"/>'s content, read by this build, under the size and mtime its scan saw.</summary>
    /// <returns><paramref name="digest"/>, the one string kept for it (the context keeps its 32 bytes).</returns>
    public string Set(ContextEntry entry, string digest)
    {
        var hash = Sha256Hash.Parse(digest);
        if (entry.ContentHash != hash)
        {
            entry.ContentHash = hash;
            _dirty = true;
        }

        return digest;
    }

    public void Save()
    {
        if (!_dirty)
        {
            return;
        }

        // Written as it is made, a record at a time (50,000 files were a 4 MB buffer and a list first).
        _store.Access.CreateFolder(Path.GetDirectoryName(_path)!);
        _store.WriteFile(_path, stream =>
        {
            Span<byte> head = stackalloc byte[12];
            Magic.CopyTo(head);
            BinaryPrimitives.WriteInt32LittleEndian(head[4..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(head[8..], _context.Entries.Count(e => e.ContentHash is not null));
            stream.Write(head);
            var record = new byte[4 + RecordTail + 1024];
            foreach (var e in _context.Entries.Where(e => e.ContentHash is not null))
            {
                var n = Encoding.UTF8.GetByteCount(e.Path);
                if (record.Length < 4 + n + RecordTail)
                {
                    record = new byte[4 + n + RecordTail];
                }

                var span = record.AsSpan();
                Encoding.UTF8.GetBytes(e.Path, span[4..]);
                BinaryPrimitives.WriteInt32LittleEndian(span, n);
                BinaryPrimitives.WriteInt64LittleEndian(span[(4 + n)..], e.Size);
                BinaryPrimitives.WriteInt64LittleEndian(span[(12 + n)..], e.ModifiedTicks);
                e.ContentHash!.Value.WriteTo(span.Slice(20 + n, 32));
                stream.Write(span[..(4 + n + RecordTail)]);
            }
        });
        _dirty = false;
    }

    /// <summary>Gives each scanned file whose path, size and mtime a record matches the record's digest; false when the file does not parse.</summary>
    /// <remarks>Read a buffer at a time (50,000 records were a 4 MB array on the large-object heap).</remarks>
    private bool Apply(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);

        // Asked once: an unbuffered FileStream's Length is an fstat each time (50,000 of them a no-op at 50,000 files).
        var length = file.Length;
        var buffer = new byte[65536];
        var filled = 0;
        var at = 0;

        // At least n bytes from at on in the buffer (the rest moved to its start and more read); false at the end of the file.
        bool Have(int n)
        {
            if (filled - at >= n)
            {
                return true;
            }

            buffer.AsSpan(at, filled - at).CopyTo(buffer);
            filled -= at;
            at = 0;
            if (buffer.Length < n)
            {
                Array.Resize(ref buffer, n);
            }

            int read;
            while (filled < n && (read = file.Read(buffer, filled, buffer.Length - filled)) > 0)
            {
                filled += read;
            }

            return filled >= n;
        }

        if (!Have(12) || !buffer.AsSpan(0, 4).SequenceEqual(Magic) || BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4)) != Version)
        {
            return false;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8));
        if (count < 0 || count > (length - 12) / (4 + RecordTail))
        {
            return false;
        }

        // The records were saved in the order the context lists its entries, and a scan of the same
        // tree lists them in the same order: each record is first compared with the next file of
        // this scan (its name decoded into a buffer) and looked up by name only when it is not that
        // one (a file added, removed or listed in another order), so an unchanged context makes no
        // string and no lookup per record.
        using var order = _context.Entries.GetEnumerator();
        ContextEntry? NextFile()
        {
            while (order.MoveNext())
            {
                if (order.Current.Type == EntryType.File)
                {
                    return order.Current;
                }
            }

            return null;
        }

        var expected = NextFile();
        var chars = new char[256];
        at = 12;
        for (var i = 0; i < count; i++)
        {
            var n = Have(4) ? BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(at)) : -1;
            if (n < 0 || n > length || !Have(4 + n + RecordTail))
            {
                return false;
            }

            var record = buffer.AsSpan(at, 4 + n + RecordTail);
            if (chars.Length < n)
            {
                chars = new char[n];
            }

            var name = chars.AsSpan(0, Encoding.UTF8.GetChars(record.Slice(4, n), chars));
            ContextEntry? found;
            if (expected is not null && name.SequenceEqual(expected.Path))
            {
                found = expected;
                expected = NextFile();
            }
            else
            {
                found = _context.Get(new string(name));
            }

            if (found is { Type: EntryType.File } e && e.Size == BinaryPrimitives.ReadInt64LittleEndian(record[(4 + n)..]) && e.ModifiedTicks == BinaryPrimitives.ReadInt64LittleEndian(record[(12 + n)..]))
            {
                e.ContentHash = Sha256Hash.Read(record.Slice(20 + n, 32));
            }

            at += record.Length;
        }

        // Nothing after the last record.
        return !Have(1);
    }
}
