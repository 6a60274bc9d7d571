using System.IO.Compression;
using System.Text;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace LayerTools.Core.Build.Copy;

/// <summary>
/// Recognises the local archives ADD extracts, as moby does: by content, never by name. A file is an
/// archive when it is a tar, plain or compressed with gzip, bzip2 or xz (Docker's documented list;
/// a zstd file is copied as it is), and its first 512 bytes after decompression are a valid tar header.
/// </summary>
internal static class LocalArchive
{
    private const int BlockSize = 512;

    /// <summary>Reads the head of <paramref name="file"/> (a seekable stream, closed on return; at most the first tar header is decompressed) and tells what it is.</summary>
    public static ArchiveCompression Detect(Stream file)
    {
        var magic = new byte[6];
        var n = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        var compression = Compression(magic.AsSpan(0, n));
        if (!file.CanSeek)
        {
            throw new ArgumentException("Detect needs a seekable stream.", nameof(file));
        }

        file.Position = 0;
        try
        {
            using var tar = Decompress(file, compression);
            var header = new byte[BlockSize];
            return tar.ReadAtLeast(header, BlockSize, throwOnEndOfStream: false) == BlockSize && IsTarHeader(header) ? compression : ArchiveCompression.NotArchive;
        }
        catch (Exception ex) when (IsUndecodable(ex))
        {
            // Compressed bytes that do not decompress: not an archive, copied as a file (as moby does).
            return ArchiveCompression.NotArchive;
        }
    }

    /// <summary>
    /// What a decompressor throws on bytes it cannot decode. A missing or unloadable assembly
    /// (FileNotFoundException and FileLoadException are IOExceptions) is not that: it is a broken
    /// installation and must surface, never pass for "not an archive".
    /// </summary>
    private static bool IsUndecodable(Exception ex) =>
        ex is not (FileNotFoundException or FileLoadException or DirectoryNotFoundException)
        && ex is InvalidDataException or IOException or FormatException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException or ArgumentException;

    /// <summary>The uncompressed tar stream of an archive <see cref="Detect"/> recognised; disposing it closes <paramref name="file"/>.</summary>
    public static Stream Decompress(Stream file, ArchiveCompression compression) => compression switch
    {
        ArchiveCompression.Tar => file,
        ArchiveCompression.Gzip => new GZipStream(file, CompressionMode.Decompress),
        ArchiveCompression.Bzip2 => BZip2Stream.Create(file, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false, tolerateTruncatedStream: false),
        ArchiveCompression.Xz => new XZStream(file),
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    private static ArchiveCompression Compression(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(new byte[] { 0x1F, 0x8B, 0x08 }))
        {
            return ArchiveCompression.Gzip;
        }

        if (head.StartsWith("BZh"u8))
        {
            return ArchiveCompression.Bzip2;
        }

        if (head.StartsWith(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }))
        {
            return ArchiveCompression.Xz;
        }

        // zstd (28 B5 2F FD) and anything else: only a plain tar is still possible.
        return ArchiveCompression.Tar;
    }

    /// <summary>A tar header block: a name, and a checksum field that matches the block (as Go's tar reader requires).</summary>
    private static bool IsTarHeader(ReadOnlySpan<byte> block)
    {
        if (block[0] == 0)
        {
            return false;
        }

        var field = Encoding.ASCII.GetString(block.Slice(148, 8)).Trim(' ', '\0');
        if (field.Length == 0 || field.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        var expected = Convert.ToInt64(field, 8);
        long unsigned = 0;
        long signed = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }

        return expected == unsigned || expected == signed;
    }
}
