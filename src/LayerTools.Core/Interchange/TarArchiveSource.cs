using LayerTools.Core.Digests;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// An image archive in a tar file, read in place: one pass over the headers (entry data is skipped
/// by seeking) records where each file's bytes are, and files are then read by offset. A
/// compressed archive is first decompressed into a temporary file.
/// </summary>
internal sealed class TarArchiveSource : ArchiveSource
{
    private readonly Dictionary<string, ArchiveEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly string? _spooled;

    private TarArchiveSource(string where, string tarPath, string? spooled, LayerCompression compression)
        : base(where)
    {
        TarPath = tarPath;
        _spooled = spooled;
        Compression = compression;
    }

    /// <summary>The uncompressed tar that is read (the file itself, or its decompressed copy).</summary>
    public string TarPath { get; }

    /// <summary>How the file given was compressed.</summary>
    public LayerCompression Compression { get; }

    /// <summary>True when the scan stopped at the entry limit: the tar holds more entries than an image archive has.</summary>
    public bool Truncated { get; private set; }

    public int Count => _entries.Count;

    /// <summary>Indexes the tar at <paramref name="path"/>, decompressing it to <paramref name="spoolPath"/> first when it is compressed.</summary>
    public static TarArchiveSource Open(string path, string spoolPath, int maxEntries, IngestLimits limits, CancellationToken cancellationToken)
    {
        LayerCompression compression;
        using (var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096))
        {
            compression = LayerCodec.Detect(probe, path);
        }

        string? spooled = null;
        var tarPath = path;
        if (compression != LayerCompression.None)
        {
            spooled = spoolPath;
            Spool(path, spooled, compression, limits, cancellationToken);
            tarPath = spooled;
        }

        var source = new TarArchiveSource(path, tarPath, spooled, compression);
        try
        {
            source.Index(maxEntries, limits, cancellationToken);
            return source;
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static void Spool(string path, string spooled, LayerCompression compression, IngestLimits limits, CancellationToken cancellationToken)
    {
        try
        {
            using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var decompressed = LayerCodec.OpenDecompressed(input, compression);
            // Decompressed as a whole before any entry is read: the archive itself is what passes the limit.
            using var bounded = new HashingStream(decompressed, leaveOpen: true, limit: limits.MaxLayerBytes, overLimit: () =>
                $"'{path}': decompressed ({LayerCodec.Name(compression)}), the archive itself passes {limits.LayerLimitText} before its entries are read.");
            using var output = new FileStream(spooled, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 17];
            int n;
            while ((n = bounded.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                output.Write(buffer, 0, n);
            }
        }
        catch (Exception ex) when (LayerCodec.IsCorruption(ex))
        {
            throw new LayerToolsException("CorruptArchive", ErrorKind.InvalidData, $"'{path}' cannot be decompressed ({LayerCodec.Name(compression)}): {ex.Message}", path, ex);
        }
    }

    private void Index(int maxEntries, IngestLimits limits, CancellationToken cancellationToken)
    {
        using var file = new FileStream(TarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        TarHeaderReader? reader = null;
        try
        {
            reader = new TarHeaderReader(file, Where, limits);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = reader.Next();
                if (entry is null)
                {
                    break;
                }

                var type = entry.EntryType is EntryType.File or EntryType.Directory or EntryType.SymbolicLink or EntryType.HardLink ? entry.EntryType : null;
                if (type is null)
                {
                    continue;
                }

                if (_entries.Count >= maxEntries)
                {
                    Truncated = true;
                    break;
                }

                var path = Tar.TarPath.Normalize(entry.Name, Where);
                if (path.Length == 0)
                {
                    continue;
                }

                var size = type == EntryType.File ? entry.Size : 0;
                var offset = entry.DataOffset;
                if (offset + size > file.Length)
                {
                    throw new LayerToolsException("CorruptArchive", ErrorKind.InvalidData, $"'{Where}': entry '{entry.Name}' claims more data than the archive holds.", Where);
                }

                if (_entries.TryGetValue(path, out var existing) && !(existing.Type == EntryType.Directory && type == EntryType.Directory))
                {
                    throw new LayerToolsException("ArchiveDuplicateEntry", ErrorKind.InvalidData, $"'{Where}' holds '{path}' twice; an archive with two different files under one name cannot be trusted.", path);
                }

                _entries[path] = new ArchiveEntry(path, type.Value, size, offset, type is EntryType.SymbolicLink or EntryType.HardLink ? entry.LinkName : null);
                for (var parent = Tar.TarPath.Parent(path); parent.Length > 0 && _directories.Add(parent); parent = Tar.TarPath.Parent(parent))
                {
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new LayerToolsException("CorruptArchive", ErrorKind.InvalidData, $"'{Where}' is not a readable tar at {TarHeaderReader.LocationOf(reader)}: {ex.Message}", Where, ex);
        }
    }

    protected override ArchiveEntry? LookupExact(string path)
    {
        if (path.Length == 0)
        {
            return new ArchiveEntry(string.Empty, EntryType.Directory, 0);
        }

        if (_entries.TryGetValue(path, out var entry))
        {
            return entry;
        }

        // Tars need not hold their directories; a path with entries beneath it is one.
        return _directories.Contains(path) ? new ArchiveEntry(path, EntryType.Directory, 0) : null;
    }

    protected override Stream OpenData(ArchiveEntry file) => StreamSlice.OfFile(TarPath, file.DataOffset, file.Size);

    public override IEnumerable<string> RootDirectories() =>
        _directories.Where(d => !d.Contains('/')).Concat(_entries.Values.Where(e => e.Type == EntryType.Directory && !e.Path.Contains('/')).Select(e => e.Path))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public override void Dispose()
    {
        if (_spooled is not null)
        {
            try
            {
                File.Delete(_spooled);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
