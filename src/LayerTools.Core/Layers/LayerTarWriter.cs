using System.Formats.Tar;
using LayerTools.Core.Digests;

namespace LayerTools.Core.Layers;

/// <summary>
/// Writes reproducible layer tars (headers as <see cref="ReproducibleTarEntry"/> makes them), with
/// mtimes clamped to SOURCE_DATE_EPOCH when one is given. The caller adds entries in order: parents
/// before children, whiteouts before their siblings, a hard link after its target.
/// It builds the layer's entry index as it writes (data offsets, content digests hashed on the way
/// through), so a layer made here is read once and never parsed back.
/// </summary>
internal sealed class LayerTarWriter : IDisposable
{
    private readonly HashingWriteStream _output;
    private readonly TarWriter _writer;
    private readonly long? _sourceDateEpoch;
    private readonly LayerIndex _index = new();
    private readonly Dictionary<string, LayerEntry> _byPath = new(StringComparer.Ordinal);
    private bool _finished;

    public LayerTarWriter(Stream output, long? sourceDateEpoch = null, bool leaveOpen = true)
    {
        _output = new HashingWriteStream(output, leaveOpen);
        _writer = new TarWriter(_output, TarEntryFormat.Pax, leaveOpen: true);
        _sourceDateEpoch = sourceDateEpoch;
    }

    public int EntryCount { get; private set; }

    /// <summary>The index record of the entry written last (with its content digest).</summary>
    public LayerEntry? LastEntry => _index.Entries.Count == 0 ? null : _index.Entries[^1];

    /// <summary>Ends the tar and returns its entry index, DiffID and size.</summary>
    public LayerIndex Finish()
    {
        if (!_finished)
        {
            _writer.Dispose();
            _output.Flush();
            _index.DiffId = _output.Digest;
            _index.Size = _output.BytesWritten;
            _finished = true;
        }

        return _index;
    }

    public void AddDirectory(string path, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.Directory, path.Length == 0 ? "./" : path + "/", mode, uid, gid, mtime, xattrs);

    public void AddFile(string path, int mode, int uid, int gid, long mtime, Stream content, long size, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.RegularFile, path, mode, uid, gid, mtime, xattrs, content: content, size: size);

    public void AddSymlink(string path, string target, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs = null) =>
        Write(TarEntryType.SymbolicLink, path, 0x1FF, uid, gid, mtime, xattrs, linkName: target);

    public void AddHardLink(string path, string target, int mode, int uid, int gid, long mtime) =>
        Write(TarEntryType.HardLink, path, mode, uid, gid, mtime, null, linkName: target);

    public void AddDevice(string path, EntryType type, int mode, int uid, int gid, long mtime, int major = 0, int minor = 0)
    {
        var tarType = type switch
        {
            EntryType.CharDevice => TarEntryType.CharacterDevice,
            EntryType.BlockDevice => TarEntryType.BlockDevice,
            EntryType.Fifo => TarEntryType.Fifo,
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        Write(tarType, path, mode, uid, gid, mtime, null, major: major, minor: minor);
    }

    /// <summary>An empty <c>.wh.&lt;name&gt;</c> file: <paramref name="path"/> is deleted from lower layers.</summary>
    public void AddWhiteout(string path, long mtime = 0) => AddFile(Whiteout.For(path), 0, 0, 0, mtime, Stream.Null, 0);

    /// <summary>A <c>.wh..wh..opq</c> file: every lower child of <paramref name="directory"/> is hidden.</summary>
    public void AddOpaque(string directory, long mtime = 0) => AddFile(Whiteout.OpaqueFor(directory), 0, 0, 0, mtime, Stream.Null, 0);

    private void Write(TarEntryType type, string name, int mode, int uid, int gid, long mtime, IReadOnlyDictionary<string, string>? xattrs, Stream? content = null, long size = 0, string? linkName = null, int major = 0, int minor = 0)
    {
        if (_sourceDateEpoch is { } epoch && mtime > epoch)
        {
            mtime = epoch;
        }

        mtime = Math.Max(0, mtime);
        var entry = ReproducibleTarEntry.Create(type, name, mode, uid, gid, mtime, size, linkName, xattrs);
        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }

        using var data = content is not null && size > 0 ? new TarDataStream(content, size, name) : null;
        if (data is not null)
        {
            entry.DataStream = data;
        }

        _writer.WriteEntry(entry);
        EntryCount++;
        Record(type, name, mode, uid, gid, mtime, linkName, size, major, minor, type == TarEntryType.RegularFile ? (data?.Digest() ?? Digest.Of(ReadOnlySpan<byte>.Empty)) : null);
    }

    private void Record(TarEntryType type, string name, int mode, int uid, int gid, long mtime, string? linkName, long size, int major, int minor, string? digest)
    {
        var path = TarPath.Normalize(name);
        var entry = new LayerEntry
        {
            Path = path,
            Mode = mode & 0xFFF,
            Uid = uid,
            Gid = gid,
            ModifiedTime = mtime,
            Size = type == TarEntryType.RegularFile ? size : 0,
            Offset = _output.BytesWritten - ((size + 511) / 512 * 512),
            Digest = digest,
            DevMajor = major,
            DevMinor = minor,
            Type = TarEntryTypes.ToEntryType(type) ?? EntryType.File,
        };

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
            if (_byPath.TryGetValue(entry.LinkTarget, out var target))
            {
                entry.Size = target.Size;
                entry.Digest = target.Digest;
            }
        }

        if (!entry.IsWhiteout)
        {
            _byPath[entry.Path] = entry;
        }

        _index.Entries.Add(entry);
    }

    public void Dispose()
    {
        Finish();
        _output.Dispose();
    }
}
