using System.Globalization;
using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Analysis;
using LayerTools.Formatting;

namespace LayerTools.Commands;

/// <summary>
/// Measures images from their layers' entry indexes: size, wasted bytes, dive's efficiency, the paths
/// wasting most, and the bytes shared with other images. With -MaximumWastedBytes or -MinimumEfficiency
/// an image past the limit still gets its ImageAnalysis written, then a non-terminating error
/// (WastedBytesExceeded, EfficiencyBelowMinimum) so that <c>$?</c> is false and <c>-ErrorAction Stop</c> throws.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "LayeredImage")]
[OutputType(typeof(ImageAnalysis))]
public sealed class MeasureLayeredImageCommand : StoreCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>A reference naming a registry that the store lacks is read from the registry (manifest and config; layers only when their files are read).</summary>
    protected override bool ReadsRegistryReferences => true;

    private readonly List<ResolvedImage> _images = new();

    /// <summary>The images: LayeredImage objects, or name[:tag], image IDs, manifest digests, unique ID prefixes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Reference", "Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public object[] Image { get; set; } = Array.Empty<object>();

    /// <summary>How many of the most wasteful paths each analysis lists (default 10).</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int Top { get; set; } = ImageAnalyzer.DefaultTop;

    /// <summary>Writes a WastedBytesExceeded error for an image wasting more than this many bytes.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long? MaximumWastedBytes { get; set; }

    /// <summary>Writes an EfficiencyBelowMinimum error for an image whose efficiency (0 to 1) is below this.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? MinimumEfficiency { get; set; }

    protected override void Process()
    {
        foreach (var input in Image)
        {
            ResolvedImage image;
            try
            {
                image = Resolve(input);
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, input);
                continue;
            }

            if (!_images.Any(i => i.Store.Root == image.Store.Root
                && i.Stored.Manifest.Digest == image.Stored.Manifest.Digest
                && i.Stored.Reference?.ToString() == image.Stored.Reference?.ToString()))
            {
                _images.Add(image);
            }
        }
    }

    protected override void End()
    {
        // Analysed together per store (one pass over the store's images for the shared sizes), written in the order given.
        var results = new ImageAnalysis[_images.Count];
        foreach (var group in _images.Select((image, position) => (image, position)).GroupBy(x => x.image.Store.Root, StringComparer.Ordinal))
        {
            var members = group.ToList();
            WriteVerbose($"Measuring {string.Join(", ", members.Select(m => m.image.Label))} in the store '{group.Key}'.");
            var store = members[0].image.Store;
            var layers = members.SelectMany(m => m.image.Catalog.ReadConfig(m.image.Catalog.ReadManifest(m.image.Stored.Manifest.Digest).Config.Digest).DiffIds)
                .Distinct(StringComparer.Ordinal).ToList();
            var remote = layers.Count(d => Core.Store.RemoteLayers.IsInRegistry(store, d));
            if (remote > 0)
            {
                WriteVerbose($"The analysis reads every layer's file index: fetching the {remote} layer(s) still in the registry (those the store has are not fetched again).");
            }

            var packed = layers.Count(d => Core.Store.RemoteLayers.IsPacked(store, d));
            if (packed > 0)
            {
                WriteVerbose($"The analysis reads every layer's file index: unpacking the {packed} pulled layer(s) not unpacked yet (from their blobs in the store, no network).");
            }

            var analyses = ImageAnalyzer.Analyze(members[0].image.Store, members.Select(m => m.image.Stored).ToList(), Top, CancellationToken);
            for (var k = 0; k < members.Count; k++)
            {
                results[members[k].position] = analyses[k];
            }
        }

        for (var i = 0; i < results.Length; i++)
        {
            WriteObject(results[i]);
            CheckLimits(results[i], _images[i].Input);
        }
    }

    private void CheckLimits(ImageAnalysis analysis, object target)
    {
        if (MaximumWastedBytes is { } maximum && analysis.WastedBytes > maximum)
        {
            var largest = analysis.WastedPaths.Count == 0
                ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $" The largest: {analysis.WastedPaths[0].LayerPath} ({DisplayText.Size(analysis.WastedPaths[0].WastedBytes)}, layers {string.Join(", ", analysis.WastedPaths[0].LayerIndexes)}).");
            WriteError(ErrorRecords.Create(
                "WastedBytesExceeded",
                ErrorKind.LimitsExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{analysis.Image} wastes {DisplayText.Size(analysis.WastedBytes)} ({analysis.WastedBytes} bytes), more than -MaximumWastedBytes {DisplayText.Size(maximum)} ({maximum} bytes).{largest} Delete files in the step that creates them, or merge the steps that rewrite them."),
                target));
        }

        if (MinimumEfficiency is { } minimum && analysis.Efficiency < minimum)
        {
            WriteError(ErrorRecords.Create(
                "EfficiencyBelowMinimum",
                ErrorKind.LimitsExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{analysis.Image} has an efficiency of {DisplayText.Percent(analysis.Efficiency)}, below -MinimumEfficiency {DisplayText.Percent(minimum)}: {DisplayText.Size(analysis.InefficientBytes)} are in paths that several layers hold. (Measure-LayeredImage {analysis.Image}).WastedPaths lists them."),
                target));
        }
    }
}
