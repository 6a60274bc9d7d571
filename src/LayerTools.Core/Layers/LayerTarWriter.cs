using LayerTools.Core.Digests;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// The one writer of layer tars: headers by <see cref="TarHeaderWriter"/> (USTAR, PAX records only
/// where a field needs them, extended attributes as raw bytes, no atime or ctime), mtimes clamped
/// to SOURCE_DATE_EPOCH when one is given. The caller adds entries in order: parents before
/// children, whiteouts before their siblings, a hard link after its target.
/// It builds the layer's entry index as it writes (data offsets, content digests hashed on the way
/// through), so a layer made here is read once and never parsed back. The output is written
/// forward only: it may be a pipe.
/// </summary>
internal sealed class LayerTarWriter : IDisposable
{
    private readonly PipelinedHashingWriteStream _output;
    private readonly long? _sourceDateEpoch;
    private readonly LayerIndex _index = new();

    // The entries by path, for a hard link's size and digest: made at the first hard link (most
    // layers have none, and 50,000 entries need not be indexed twice), kept up to date after it.
    private Dictionary<string, LayerEntry>? _byPath;
    private readonly byte[] _buffer = new byte[81920];
    private readonly System.Security.Cryptography.IncrementalHash _fileHash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
    private bool _finished;

    public LayerTarWriter(Stream output, long? sourceDateEpoch = null, bool leaveOpen = true)
    {
        _output = new PipelinedHashingWriteStream(output, leaveOpen);
        _sourceDateEpoch = sourceDateEpoch;
    }

    public int EntryCount { get; private set; }

    /// <summary>The index record of the entry written last (with its content digest).</summary>
    public LayerEntry? LastEntry => _index.Entries.Count == 0 ? null : _index.Entries[^1];

    /// <summary>Ends the tar (two zero blocks, also for an empty layer) and returns its entry index, DiffID and size.</summary>
    public LayerIndex Finish()
    {
        if (!_finished)
        {
            TarHeaderWriter.WriteEnd(_output);
            _output.Flush();
            _index.DiffId = _output.Digest;
            _index.Size = _output.BytesWritten;
            _finished = true;
        }

        return _index;
    }

    public void AddDirectory(string path, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, byte[]>? xattrs = null) =>
        Write(EntryType.Directory, path.Length == 0 ? "./" : path + "/", mode, uid, gid, mtime, xattrs);

    public void AddFile(string path, int mode, int uid, int gid, long mtime, Stream content, long size, IReadOnlyDictionary<string, byte[]>? xattrs = null) =>
        Write(EntryType.File, path, mode, uid, gid, mtime, xattrs, content: content, size: size);

    public void AddSymlink(string path, string target, int uid, int gid, long mtime, IReadOnlyDictionary<string, byte[]>? xattrs = null) =>
        Write(EntryType.SymbolicLink, path, 0x1FF, uid, gid, mtime, xattrs, linkName: target);

    public void AddHardLink(string path, string target, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, byte[]>? xattrs = null) =>
        Write(EntryType.HardLink, path, mode, uid, gid, mtime, xattrs, linkName: target);

    public void AddDevice(string path, EntryType type, int mode, int uid, int gid, long mtime, int major = 0, int minor = 0, IReadOnlyDictionary<string, byte[]>? xattrs = null)
    {
        if (type is not (EntryType.CharDevice or EntryType.BlockDevice or EntryType.Fifo))
        {
            throw new ArgumentOutOfRangeException(nameof(type));
        }

        Write(type, path, mode, uid, gid, mtime, xattrs, major: major, minor: minor);
    }

    /// <summary>An empty <c>.wh.&lt;name&gt;</c> file: <paramref name="path"/> is deleted from lower layers.</summary>
    public void AddWhiteout(string path, long mtime = 0) => AddFile(Whiteout.For(path), 0, 0, 0, mtime, Stream.Null, 0);

    /// <summary>A <c>.wh..wh..opq</c> file: every lower child of <paramref name="directory"/> is hidden.</summary>
    public void AddOpaque(string directory, long mtime = 0) => AddFile(Whiteout.OpaqueFor(directory), 0, 0, 0, mtime, Stream.Null, 0);

    private void Write(EntryType type, string name, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, byte[]>? xattrs, Stream? content = null, long size = 0, string? linkName = null, int major = 0, int minor = 0)
    {
        if (_sourceDateEpoch is { } epoch && mtime > epoch)
        {
            mtime = epoch;
        }

        mtime = Math.Max(0, mtime);
        TarHeaderWriter.WriteHeader(_output, name, TarHeaderWriter.TypeOf(type), mode, uid, gid, size, mtime, linkName, major, minor, xattrs);
        string? digest = null;
        if (type == EntryType.File)
        {
            digest = size > 0 ? CopyData(content ?? throw new ArgumentNullException(nameof(content)), size, name) : Digest.Of(ReadOnlySpan<byte>.Empty);
        }

        EntryCount++;
        Record(type, name, mode, uid, gid, mtime, linkName, size, major, minor, digest, xattrs);
    }

    /// <summary>Exactly <paramref name="size"/> bytes of <paramref name="content"/> and the padding; returns their digest.</summary>
    private string CopyData(Stream content, long size, string name)
    {
        using var data = new TarDataStream(content, size, name, _fileHash);
        int n;
        while ((n = data.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            _output.Write(_buffer, 0, n);
        }

        TarHeaderWriter.WritePadding(_output, size);
        return data.Digest();
    }

    private void Record(EntryType type, string name, int mode, int uid, int gid, long mtime, string? linkName, long size, int major, int minor, string? digest, IReadOnlyDictionary<string, byte[]>? xattrs)
    {
        var path = TarPath.Normalize(name);
        var entry = new LayerEntry
        {
            Path = path,
            Mode = mode & 0xFFF,
            Uid = uid,
            Gid = gid,
            ModifiedTime = mtime,
            Size = type == EntryType.File ? size : 0,
            Offset = _output.BytesWritten - ((size + 511) / 512 * 512),
            Digest = digest,
            DevMajor = major,
            DevMinor = minor,
            Type = type,
        };
        entry.EncodeXattrs(xattrs);

        var baseName = TarPath.Name(path);
        if (baseName == Whiteout.Opaque)
        {
            entry = new LayerEntry { Path = TarPath.Parent(path), Type = EntryType.OpaqueWhiteout, Offset = entry.Offset };
        }
        else if (baseName.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
        {
            entry = new LayerEntry { Path = TarPath.Join(TarPath.Parent(path), baseName[Whiteout.Prefix.Length..]), Type = EntryType.Whiteout, Offset = entry.Offset };
        }
        else if (entry.Type == EntryType.SymbolicLink)
        {
            entry.LinkTarget = linkName;
        }
        else if (entry.Type == EntryType.HardLink)
        {
            entry.LinkTarget = TarPath.Normalize(linkName!);
            if (_byPath is null)
            {
                _byPath = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
                foreach (var e in _index.Entries.Where(e => !e.IsWhiteout))
                {
                    _byPath[e.Path] = e;
                }
            }

            if (_byPath.TryGetValue(entry.LinkTarget, out var target))
            {
                entry.Size = target.Size;
                entry.Digest = target.Digest;
            }
        }

        if (_byPath is not null && !entry.IsWhiteout)
        {
            _byPath[entry.Path] = entry;
        }

        _index.Entries.Add(entry);
    }

    public void Dispose()
    {
        Finish();
        _output.Dispose();
        _fileHash.Dispose();
    }
}
