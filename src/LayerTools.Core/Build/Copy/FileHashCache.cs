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
/// Loading gives each scanned entry whose size and mtime match its digest (<see cref="ContextEntry.Digest"/>)
/// and keeps nothing else: the context's entries are the cache while the build runs, and what is saved.
/// </summary>
internal sealed class FileHashCache
{
    private static readonly byte[] Magic = "LTFH"u8.ToArray();
    private const int Version = 1;
    private const int RecordTail = 16 + 32;
    private const string HexDigits = "0123456789abcdef";

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
                e.Digest = null;
            }

            cache._dirty = true;
        }

        return cache;
    }

    /// <summary>The digest of <paramref name="entry"/>'s content, when known without reading it.</summary>
    public static bool TryGet(ContextEntry entry, out string digest)
    {
        digest = entry.Digest ?? string.Empty;
        return entry.Digest is not null;
    }

    /// <summary>Remembers the digest of <paramref name="entry"/>'s content, read by this build, under the size and mtime its scan saw.</summary>
    /// <returns>The string to keep for it: the one already known when equal (so the layer's index and the context share one string per file; 8 MB at 50,000 files).</returns>
    public string Set(ContextEntry entry, string digest)
    {
        Digest.Hex(digest);
        if (entry.Digest == digest)
        {
            return entry.Digest;
        }

        entry.Digest = digest;
        _dirty = true;
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
            BinaryPrimitives.WriteInt32LittleEndian(head[8..], _context.Entries.Count(e => e.Digest is not null));
            stream.Write(head);
            var record = new byte[4 + RecordTail + 1024];
            foreach (var e in _context.Entries.Where(e => e.Digest is not null))
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
                Convert.FromHexString(e.Digest!.AsSpan(Digest.Sha256Prefix.Length)).CopyTo(span.Slice(20 + n, 32));
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

        at = 12;
        for (var i = 0; i < count; i++)
        {
            var n = Have(4) ? BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(at)) : -1;
            if (n < 0 || n > length || !Have(4 + n + RecordTail))
            {
                return false;
            }

            var record = buffer.AsSpan(at, 4 + n + RecordTail);
            var name = Encoding.UTF8.GetString(record.Slice(4, n));
            if (_context.Get(name) is { Type: EntryType.File } e && e.Size == BinaryPrimitives.ReadInt64LittleEndian(record[(4 + n)..]) && e.ModifiedTicks == BinaryPrimitives.ReadInt64LittleEndian(record[(12 + n)..]))
            {
                e.Digest = ToDigest(record.Slice(20 + n, 32));
            }

            at += record.Length;
        }

        // Nothing after the last record.
        return !Have(1);
    }

    private static string ToDigest(ReadOnlySpan<byte> hash)
    {
        Span<char> chars = stackalloc char[Digest.Sha256Prefix.Length + 64];
        Digest.Sha256Prefix.CopyTo(chars);
        for (var j = 0; j < hash.Length; j++)
        {
            chars[Digest.Sha256Prefix.Length + (2 * j)] = HexDigits[hash[j] >> 4];
            chars[Digest.Sha256Prefix.Length + (2 * j) + 1] = HexDigits[hash[j] & 0xF];
        }

        return new string(chars);
    }
}
