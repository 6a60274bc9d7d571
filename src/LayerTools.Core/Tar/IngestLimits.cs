namespace LayerTools.Core.Tar;

/// <summary>Bounds on what one layer may hold, so that a crafted archive cannot exhaust memory or disk.</summary>
public sealed class IngestLimits
{
    public static IngestLimits Default { get; } = new();

    /// <summary>Bytes of tar headers (with PAX and GNU long-name records) before one entry's data. formats.md: PAX record ≤ 1 MiB.</summary>
    public long MaxHeaderBytes { get; init; } = (1 << 20) + 8192;

    /// <summary>
    /// Uncompressed bytes in one layer (or one ADD archive): 64 GiB unless $env:LAYERTOOLS_MAX_LAYER_BYTES
    /// says otherwise. The cap is what stops a decompression bomb (a small gzip that inflates without
    /// end) from filling the disk: the error names the archive and the limit.
    /// </summary>
    public long MaxLayerBytes { get; init; } = FromEnvironment(MaxLayerBytesVariable, 64L << 30);

    /// <summary>The environment variable that sets <see cref="MaxLayerBytes"/>.</summary>
    public const string MaxLayerBytesVariable = "LAYERTOOLS_MAX_LAYER_BYTES";

    /// <summary>Entries in one layer.</summary>
    public int MaxEntries { get; init; } = 4_000_000;

    /// <summary>Bytes of a docker-archive manifest.json.</summary>
    public long MaxManifestJsonBytes { get; init; } = 1 << 20;

    /// <summary>Bytes of an image config or OCI manifest/index.</summary>
    public long MaxConfigBytes { get; init; } = 4 << 20;

    /// <summary>The layer size limit as an error names it: its bytes and what sets it.</summary>
    public string LayerLimitText => $"the limit of {MaxLayerBytes} bytes ($env:{MaxLayerBytesVariable} sets it)";

    private static long FromEnvironment(string name, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
