using System.Globalization;
using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Digests;
using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Files;

namespace LayerTools.Commands;

/// <summary>
/// Lists the files of an image without extracting anything: the union of its layers (what a
/// container sees), or with -Layer the entries of one layer, whiteouts included.
/// </summary>
[Cmdlet(VerbsCommon.Get, "LayerFile")]
[OutputType(typeof(LayerFile))]
public sealed class GetLayerFileCommand : ImageCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

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
            tree = new ImageFileTree(image.Store, catalog.Union(image.Stored), image.Label);
        }
        else
        {
            var diffIds = catalog.ReadConfig(catalog.ReadManifest(image.Stored.Manifest.Digest).Config.Digest).DiffIds;
            var index = FindLayer(diffIds, Layer, image.Label);
            tree = new LayerFileTree(image.Store, image.Store.ReadLayerIndex(diffIds[index]), index, image.Label);
        }

        // Piped files are addressed on the read-only Image: drive, so Get-LayerFile … | Remove-Item
        // reaches the image (and is refused), never the host file of the same path.
        var top = Provider.ImagePathName.Of(catalog, image.Stored);
        foreach (var file in FileListing.List(tree, Path, Recurse))
        {
            WriteObject(Provider.DrivePath.Addressed(file, file.Path, Provider.DrivePath.ForFile(Provider.DriveKind.Image, image.Store.Root, top, file.Path)));
        }
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

        var matches = HexPrefix.TryParse(text, out var hex)
            ? Enumerable.Range(0, diffIds.Count).Where(i => HexPrefix.Begins(diffIds[i], hex)).ToList()
            : new List<int>();
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
}
