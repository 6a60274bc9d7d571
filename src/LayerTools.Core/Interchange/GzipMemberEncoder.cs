using System.Buffers.Binary;
using System.IO.Compression;
using System.Linq.Expressions;
using System.Reflection;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes one block as one gzip member, choosing how from its <see cref="BlockProfile"/>: stored when
/// it does not compress; else, on .NET 9 and later (whose zlib-ng takes any level and strategy through
/// <c>ZLibCompressionOptions</c>), Huffman coding only when LZ77 matches would save almost nothing
/// (base64 or hex text: the same size as level 5), with LayerTools' own <see cref="HuffmanOnlyDeflate"/>
/// (no larger than zlib-ng's Huffman-only strategy, and about 2.5 times as fast: zlib-ng's took
/// about 4 ms of CPU a MiB here, the largest part of a push's CPU), and level 5 otherwise
/// (what skopeo's pgzip writes; about 1.4x level 6's speed on source text for 1% more bytes). On
/// .NET 8 the module can ask only for zlib's named levels, and writes level 6 (Optimal) as before.
/// The runtime is looked up once, when the type is first used. The choice depends on the block's
/// bytes and the runtime alone, so a layer's compressed digest is the same on every run of a runtime.
/// The module targets net8.0 (PowerShell 7.4) and takes the options through reflection, compiled once
/// into a delegate, rather than building a second target for .NET 9: one assembly, the same code on
/// both, and the only difference where the runtime has the API.
/// </summary>
internal sealed class GzipMemberEncoder
{
    /// <summary>The level given with Huffman-only (zlib-ng ignores it but for the header's XFL byte).</summary>
    private const int Level = 5;

    /// <summary>A gzip compressor over a destination (left open) with zlib options, or null before .NET 9.</summary>
    private readonly Func<Stream, object, Stream>? _open;
    private readonly object? _level5;

    private GzipMemberEncoder(bool tuned)
    {
        if (tuned && Tuning() is { } tuning)
        {
            (_open, _level5) = tuning;
        }
    }

    /// <summary>The encoder for this runtime.</summary>
    public static GzipMemberEncoder Current { get; } = new(tuned: true);

    /// <summary>The encoder .NET 8 gives (level 6 or stored), whatever the runtime: for tests of that path.</summary>
    public static GzipMemberEncoder Net8 { get; } = new(tuned: false);

    /// <summary>True when this runtime lets the encoder choose a level and strategy (.NET 9 and later).</summary>
    public bool Tuned => _open is not null;

    /// <summary>How a block with this profile is deflated.</summary>
    public GzipMethod Choose(BlockProfile profile) =>
        profile.Incompressible ? GzipMethod.Stored
        : !Tuned ? GzipMethod.Optimal
        : profile.FewMatches ? GzipMethod.HuffmanOnly
        : GzipMethod.Level5;

    /// <summary>Writes <paramref name="length"/> bytes of <paramref name="block"/> as one complete gzip member.</summary>
    public void Write(Stream destination, byte[] block, int length, BlockProfile profile)
    {
        var method = Choose(profile);
        if (method == GzipMethod.HuffmanOnly)
        {
            WriteHuffmanOnly(destination, block.AsSpan(0, length));
            return;
        }

        using var gzip = method switch
        {
            GzipMethod.Stored => new GZipStream(destination, CompressionLevel.NoCompression, leaveOpen: true),
            GzipMethod.Optimal => new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true),
            _ => _open!(destination, _level5!),
        };
        gzip.Write(block, 0, length);
    }

    /// <summary>
    /// One gzip member (RFC 1952) of <see cref="HuffmanOnlyDeflate"/>: the header zlib writes for its
    /// Huffman-only strategy (no name or time, XFL 4, OS 3 for Unix), the deflate stream, then the
    /// CRC-32 and the length of the data, least significant byte first.
    /// </summary>
    internal static void WriteHuffmanOnly(Stream destination, ReadOnlySpan<byte> data)
    {
        destination.Write([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3]);
        HuffmanOnlyDeflate.Encode(data, destination);
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, System.IO.Hashing.Crc32.HashToUInt32(data));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)data.Length);
        destination.Write(trailer);
    }

    /// <summary>
    /// On .NET 9 and later: <c>(stream, options) =&gt; new GZipStream(stream, (ZLibCompressionOptions)options, leaveOpen: true)</c>
    /// compiled, and the two options it is given; null before.
    /// </summary>
    private static (Func<Stream, object, Stream> Open, object Level5)? Tuning()
    {
        var assembly = typeof(GZipStream).Assembly;
        var optionsType = assembly.GetType("System.IO.Compression.ZLibCompressionOptions");
        var strategyType = assembly.GetType("System.IO.Compression.ZLibCompressionStrategy");
        var constructor = optionsType is null ? null : typeof(GZipStream).GetConstructor([typeof(Stream), optionsType, typeof(bool)]);
        var level = optionsType?.GetProperty("CompressionLevel", BindingFlags.Public | BindingFlags.Instance);
        var strategy = optionsType?.GetProperty("CompressionStrategy", BindingFlags.Public | BindingFlags.Instance);
        if (optionsType is null || strategyType is null || constructor is null || level is null || strategy is null)
        {
            return null;
        }

        object Options(string strategyName)
        {
            var options = Activator.CreateInstance(optionsType)!;
            level.SetValue(options, Level);
            strategy.SetValue(options, Enum.Parse(strategyType, strategyName));
            return options;
        }

        var stream = Expression.Parameter(typeof(Stream), "stream");
        var options = Expression.Parameter(typeof(object), "options");
        var open = Expression.Lambda<Func<Stream, object, Stream>>(
            Expression.New(constructor, stream, Expression.Convert(options, optionsType), Expression.Constant(true)),
            stream,
            options).Compile();
        return (open, Options("Default"));
    }
}
