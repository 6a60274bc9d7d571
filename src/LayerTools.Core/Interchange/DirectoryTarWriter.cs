using System.Formats.Tar;
using LayerTools.Core.Layers;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes a directory tree as a layer tar, deterministically: depth first with each directory's
/// names in ordinal order (so every parent comes before its children), whole-second times clamped
/// to <c>SOURCE_DATE_EPOCH</c> when one is given, and owner 0:0 (.NET cannot read a file's owner
/// without a second read of its data; use a tar to keep owners). Sockets are skipped, as Docker does.
/// </summary>
internal static class DirectoryTarWriter
{
    public static void Write(string root, Stream output, long? clampTime, CancellationToken cancellationToken)
    {
        using var tar = new TarStreamWriter(output);
        WriteChildren(tar, Path.GetFullPath(root), string.Empty, clampTime, cancellationToken);
        tar.Finish();
    }

    private static void WriteChildren(TarStreamWriter tar, string directory, string relative, long? clampTime, CancellationToken cancellationToken)
    {
        var children = new DirectoryInfo(directory).EnumerateFileSystemInfos()
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var child in children)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = TarPath.Join(relative, child.Name);
            if (child.Name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal))
            {
                throw new LayerToolsException("WhiteoutNameInSource", ErrorKind.InvalidData, $"'{child.FullName}' has a name starting with '{Whiteout.Prefix}', which a layer reserves for deletions; rename it.", child.FullName);
            }

            var mtime = child.LastWriteTimeUtc.Ticks / TimeSpan.TicksPerSecond - DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerSecond;
            if (clampTime is { } clamp && mtime > clamp)
            {
                mtime = clamp;
            }

            if (child.LinkTarget is { } target)
            {
                tar.Write(new TarRecord(path, EntryType.SymbolicLink, 0x1FF, 0, mtime, LinkTarget: target.Replace(Path.DirectorySeparatorChar, '/')));
            }
            else if (child is DirectoryInfo)
            {
                tar.Write(new TarRecord(path, EntryType.Directory, ModeOf(child, 0x1ED), 0, mtime));
                WriteChildren(tar, child.FullName, path, clampTime, cancellationToken);
            }
            else if (child is FileInfo file)
            {
                WriteFile(tar, file, path, mtime, cancellationToken);
            }
        }
    }

    private static void WriteFile(TarStreamWriter tar, FileInfo file, string path, long mtime, CancellationToken cancellationToken)
    {
        var mode = ModeOf(file, 0x1A4);
        if (file.Length == 0 && SpecialFile(file) is { } special)
        {
            if (special.Type is EntryType.CharDevice or EntryType.BlockDevice or EntryType.Fifo)
            {
                tar.Write(new TarRecord(path, special.Type, mode, 0, mtime, DevMajor: special.Major, DevMinor: special.Minor));
            }

            return;
        }

        using var data = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        tar.Write(new TarRecord(path, EntryType.File, mode, data.Length, mtime), data, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// What an empty-looking file really is: .NET shows devices, FIFOs and sockets as empty regular
    /// files, but its tar writer reads the type from the file system (without opening it).
    /// Null for a regular file; a type of File for what a layer cannot hold (a socket).
    /// </summary>
    private static (EntryType Type, int Major, int Minor)? SpecialFile(FileInfo file)
    {
        var scratch = new MemoryStream();
        try
        {
            using (var writer = new TarWriter(scratch, TarEntryFormat.Ustar, leaveOpen: true))
            {
                writer.WriteEntry(file.FullName, "probe");
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
        {
            return (EntryType.File, 0, 0);
        }

        scratch.Position = 0;
        using var reader = new TarReader(scratch);
        var entry = reader.GetNextEntry();
        return entry?.EntryType switch
        {
            TarEntryType.CharacterDevice => (EntryType.CharDevice, ((PosixTarEntry)entry).DeviceMajor, ((PosixTarEntry)entry).DeviceMinor),
            TarEntryType.BlockDevice => (EntryType.BlockDevice, ((PosixTarEntry)entry).DeviceMajor, ((PosixTarEntry)entry).DeviceMinor),
            TarEntryType.Fifo => (EntryType.Fifo, 0, 0),
            TarEntryType.RegularFile or TarEntryType.V7RegularFile => null,
            _ => (EntryType.File, 0, 0),
        };
    }

    private static int ModeOf(FileSystemInfo info, int fallback) =>
        OperatingSystem.IsWindows() ? fallback : (int)File.GetUnixFileMode(info.FullName) & 0xFFF;
}
