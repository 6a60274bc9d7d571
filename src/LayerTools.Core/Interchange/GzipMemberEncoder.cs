using System.IO.Compression;
using System.Linq.Expressions;
using System.Reflection;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes one block as one gzip member, choosing how from its <see cref="BlockProfile"/>: stored when
/// it does not compress; else, on .NET 9 and later (whose zlib-ng takes any level and strategy through
/// <c>ZLibCompressionOptions</c>), Huffman coding only when LZ77 matches would save almost nothing
/// (base64 or hex text: the same size as level 5, three to four times as fast) and level 5 otherwise
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
    private readonly object? _huffmanOnly;

    private GzipMemberEncoder(bool tuned)
    {
        if (tuned && Tuning() is { } tuning)
        {
            (_open, _level5, _huffmanOnly) = tuning;
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
        using var gzip = Choose(profile) switch
        {
            GzipMethod.Stored => new GZipStream(destination, CompressionLevel.NoCompression, leaveOpen: true),
            GzipMethod.Optimal => new GZipStream(destination, CompressionLevel.Optimal, leaveOpen: true),
            GzipMethod.HuffmanOnly => _open!(destination, _huffmanOnly!),
            _ => _open!(destination, _level5!),
        };
        gzip.Write(block, 0, length);
    }

    /// <summary>
    /// On .NET 9 and later: <c>(stream, options) =&gt; new GZipStream(stream, (ZLibCompressionOptions)options, leaveOpen: true)</c>
    /// compiled, and the two options it is given; null before.
    /// </summary>
    private static (Func<Stream, object, Stream> Open, object Level5, object HuffmanOnly)? Tuning()
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
        return (open, Options("Default"), Options("HuffmanOnly"));
    }
}
