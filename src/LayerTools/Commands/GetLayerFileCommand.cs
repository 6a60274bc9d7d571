using System.Globalization;
using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Files;

namespace LayerTools.Commands;

/// <summary>
/// Lists the files of an image without extracting anything: the union of its layers (what a
/// container sees), or with -Layer the entries of one layer, whiteouts included.
/// </summary>
[Cmdlet(VerbsCommon.Get, "LayerFile")]
[OutputType(typeof(LayerFile))]
public sealed class GetLayerFileCommand : ImageCmdlet
{
    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    /// <summary>A path inside the image ('/etc', 'etc/*.conf', '/usr/bin/b*'); the root when omitted.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string? Path { get; set; }

    /// <summary>One layer to list instead of the union: its index (0 = base, -1 = top) or its DiffID (or a unique prefix of it).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Layer { get; set; }

    /// <summary>Lists everything below the directories named, not only their children.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void Process()
    {
        var image = ResolveImage();
        var catalog = image.Catalog;
        IFileTree tree;
        if (Layer is null)
        {
            tree = new UnionFileTree(catalog.Union(image.Stored), image.Label);
        }
        else
        {
            var diffIds = catalog.ReadConfig(catalog.ReadManifest(image.Stored.Manifest.Digest).Config.Digest).DiffIds;
            var index = FindLayer(diffIds, Layer, image.Label);
            tree = new SingleLayerFileTree(image.Store.ReadLayerIndex(diffIds[index]), index, image.Label);
        }

        var top = image.Stored.Reference is { } reference
            ? Provider.ImagePathName.Encode(reference.ToString())
            : Core.Digests.Digest.Hex(catalog.ConfigDigestOf(image.Stored))[..12];
        foreach (var file in FileListing.List(tree, Path, Recurse))
        {
            WriteObject(Addressed(file, image.Store.Root, top));
        }
    }

    /// <summary>
    /// The file as it travels down the pipeline: <c>Path</c> is its path on the read-only Image: provider
    /// and <c>LayerPath</c> the path inside the image. Cmdlets bind -Path by property name before
    /// -LiteralPath, so a bare "/etc/passwd" would name the host's file: Get-LayerFile … | Remove-Item
    /// must reach the image (and be refused as read-only), never the host.
    /// </summary>
    private static PSObject Addressed(LayerFile file, string storeRoot, string top)
    {
        var item = new PSObject(file);
        item.Properties.Add(new PSNoteProperty("LayerPath", file.Path));
        item.Properties.Add(new PSNoteProperty("Path", Provider.DrivePath.ForFile(Provider.DriveKind.Image, storeRoot, top, file.Path)));
        return item;
    }

    private static int FindLayer(IReadOnlyList<string> diffIds, string layer, string image)
    {
        var text = layer.Trim();
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            var index = number < 0 ? diffIds.Count + number : number;
            if (index < 0 || index >= diffIds.Count)
            {
                throw new LayerToolsException(
                    "LayerNotFound",
                    ErrorKind.ObjectNotFound,
                    $"{image} has {diffIds.Count} layers (0 to {diffIds.Count - 1}); there is no layer {number}.",
                    layer);
            }

            return index;
        }

        var hex = (text.StartsWith(Digest.Sha256Prefix, StringComparison.OrdinalIgnoreCase) ? text[Digest.Sha256Prefix.Length..] : text).ToLowerInvariant();
        var matches = Enumerable.Range(0, diffIds.Count)
            .Where(i => hex.Length > 0 && DisplayHex(diffIds[i]).StartsWith(hex, StringComparison.Ordinal))
            .ToList();
        if (matches.Select(i => diffIds[i]).Distinct().Count() > 1)
        {
            throw new LayerToolsException("AmbiguousLayer", ErrorKind.InvalidArgument, $"'{layer}' matches several layers of {image}; give more of the DiffID.", layer);
        }

        if (matches.Count == 0)
        {
            throw new LayerToolsException(
                "LayerNotFound",
                ErrorKind.ObjectNotFound,
                $"{image} has no layer '{layer}'. Get-ImageLayer {image} lists its layers.",
                layer);
        }

        return matches[^1];
    }

    private static string DisplayHex(string diffId) => diffId.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? diffId[Digest.Sha256Prefix.Length..] : diffId;
}
