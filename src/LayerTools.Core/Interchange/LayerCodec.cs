using System.IO.Compression;
using LayerTools.Core.Oci;
using ZstdSharp;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Layer compression as images carry it: recognised by its magic bytes (as Docker's loader does,
/// whatever a descriptor or file name claims), opened for reading, and written for export.
/// </summary>
internal static class LayerCodec
{
    /// <summary>zstd level 3 is the format's default and what containerd and BuildKit write.</summary>
    public const int ZstdLevel = 3;

    /// <summary>The compression of the data at the start of a seekable stream; the position is put back.</summary>
    public static LayerCompression Detect(Stream stream, string where)
    {
        Span<byte> magic = stackalloc byte[6];
        var start = stream.Position;
        var n = 0;
        while (n < magic.Length)
        {
            var r = stream.Read(magic[n..]);
            if (r == 0)
            {
                break;
            }

            n += r;
        }

        stream.Position = start;
        var head = magic[..n];
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            return LayerCompression.Gzip;
        }

        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD)
        {
            return LayerCompression.Zstd;
        }

        if ((head.Length >= 3 && head[0] == (byte)'B' && head[1] == (byte)'Z' && head[2] == (byte)'h')
            || (head.Length >= 6 && head[0] == 0xFD && head[1] == (byte)'7' && head[2] == (byte)'z' && head[3] == (byte)'X' && head[4] == (byte)'Z' && head[5] == 0))
        {
            throw new LayerToolsException("UnsupportedCompression", ErrorKind.InvalidData, $"'{where}' is compressed with bzip2 or xz, which LayerTools does not read; recompress it with gzip or zstd, or decompress it first.", where);
        }

        return LayerCompression.None;
    }

    /// <summary>A stream of the uncompressed bytes; <paramref name="source"/> stays open.</summary>
    public static Stream OpenDecompressed(Stream source, LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true),
        LayerCompression.Zstd => new DecompressionStream(source, leaveOpen: true),
        _ => source,
    };

    /// <summary>
    /// A stream that compresses what is written to it into <paramref name="destination"/> (left open),
    /// on all cores, in independent blocks (see <see cref="BlockCompressionStream"/>); dispose it to
    /// finish. Export and push both compress through it, so the same layer has the same compressed
    /// digest whichever made it.
    /// </summary>
    /// <param name="destination">Where the compressed bytes go.</param>
    /// <param name="compression">gzip or zstd.</param>
    /// <param name="degree">Blocks compressed at once (0: the machine's cores); it never changes the bytes.</param>
    public static BlockCompressionStream OpenCompressor(Stream destination, LayerCompression compression, int degree = 0) =>
        new BlockCompressionStream(destination, compression, degree);

    /// <summary>The compression a layer media type names (OCI <c>+gzip</c>/<c>+zstd</c>, Docker's <c>.tar.gzip</c>); None for a plain tar.</summary>
    public static LayerCompression FromMediaType(string mediaType) =>
        mediaType.EndsWith("+gzip", StringComparison.Ordinal) || mediaType.EndsWith(".gzip", StringComparison.Ordinal) ? LayerCompression.Gzip
        : mediaType.EndsWith("+zstd", StringComparison.Ordinal) ? LayerCompression.Zstd
        : LayerCompression.None;

    /// <summary>The OCI layer media type for a compression.</summary>
    public static string MediaType(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => MediaTypes.OciLayer,
    };

    /// <summary>The name used in file names and messages.</summary>
    public static string Name(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => "gzip",
        LayerCompression.Zstd => "zstd",
        _ => "none",
    };

    /// <summary>True for the exceptions a decompressor throws on damaged input.</summary>
    public static bool IsCorruption(Exception ex) => ex is InvalidDataException or ZstdException or EndOfStreamException;
}
