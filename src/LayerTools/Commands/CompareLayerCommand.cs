using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Analysis;
using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Commands;

/// <summary>
/// Compares two file trees from their indexes and writes one LayerChange per differing path. Each side
/// is an image, a single layer, or a host directory. A string names, in this order: an existing
/// directory (through the PowerShell providers, so relative paths and drives work); else a layer of
/// the store whose DiffID it is or begins (sha256: optional, at least four hex digits); else an image.
/// Piped objects without -Reference are collected and the last two compared (the earlier is the reference).
/// </summary>
[Cmdlet(VerbsData.Compare, "Layer", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(LayerChange))]
public sealed class CompareLayerCommand : StoreCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    private const string SidesSet = "Sides";
    private const string PipelineSet = "Pipeline";

    /// <summary>A reference naming a registry that the store lacks is read from the registry (manifest and config; layers only when their files are read).</summary>
    protected override bool ReadsRegistryReferences => true;

    private readonly List<object> _piped = new();
    private ComparisonSide? _reference;

    /// <summary>The side compared from: an image, a layer (LayerInfo or DiffID), or a directory.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SidesSet)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public object Reference { get; set; } = null!;

    /// <summary>The side compared to: an image, a layer (LayerInfo or DiffID), or a directory; piped objects are each compared with -Reference.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = SidesSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public object Difference { get; set; } = null!;

    /// <summary>Images, layers or directories from the pipeline; the last two are compared.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PipelineSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object InputObject { get; set; } = null!;

    /// <summary>What to compare where a path is on both sides: Content, Metadata, or All (the default).</summary>
    [Parameter]
    public CompareProperty Property { get; set; } = CompareProperty.All;

    /// <summary>Reports only the paths that match this wildcard, or lie beneath a directory that does.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void Process()
    {
        if (ParameterSetName == PipelineSet)
        {
            _piped.Add(InputObject);
            return;
        }

        _reference ??= SideOf(Reference);
        Compare(_reference, SideOf(Difference));
    }

    protected override void End()
    {
        if (ParameterSetName != PipelineSet)
        {
            return;
        }

        if (_piped.Count < 2)
        {
            throw new LayerToolsException(
                "TooFewToCompare",
                ErrorKind.InvalidArgument,
                $"Compare-Layer received {_piped.Count} object(s) from the pipeline and compares two. Pipe two layers, images or directories (Get-ImageLayer app:1 | Select-Object -Last 2 | Compare-Layer), or give -Reference and -Difference.",
                _piped.Count == 1 ? _piped[0] : null);
        }

        if (_piped.Count > 2)
        {
            WriteWarning($"Compare-Layer received {_piped.Count} objects from the pipeline; it compares the last two ({Describe(_piped[^2])} and {Describe(_piped[^1])}).");
        }

        Compare(SideOf(_piped[^2]), SideOf(_piped[^1]));
    }

    private void Compare(ComparisonSide reference, ComparisonSide difference)
    {
        WriteVerbose($"Comparing {reference.Tree.Label} with {difference.Tree.Label} ({Property}{(Path is null ? string.Empty : ", paths like " + Path)}).");
        // A folder side stands for the directory a -Path without wildcards names (help example 3).
        var changes = LayerComparer.Compare(reference.Tree, difference.Tree, Property, Path, CancellationToken, folderAt: PathWildcard.Literal(Path));
        foreach (var change in changes)
        {
            // Path addresses the file on the difference side (a drive path for an image or a
            // container, the host path for a directory), LayerPath is the path inside the tree:
            // PowerShell binds -Path by property name, so '/etc/x' alone would name the host's file.
            WriteObject(Provider.DrivePath.Addressed(change, change.Path, difference.Address(change.Path)));
        }

        WriteVerbose($"{changes.Count} paths differ.");
    }

    /// <summary>One side of the comparison, from what the user gave.</summary>
    private ComparisonSide SideOf(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case LayerInfo layer:
                var layerStore = Store(layer.StorePath);
                return new ComparisonSide(ComparisonTrees.Layer(layerStore, layer), LayerAddress(layerStore, layer.Image, layer.DiffId));
            case LayeredImage:
                var image = Resolve(input);
                return ImageSide(image.Store, image.Stored);
            case DirectoryInfo directory:
                return DirectorySide(directory.FullName);
            case ContainerLayer container:
                return ContainerSide(new ContainerStore(Store(container.StorePath)), container.Id);
            case FileInfo file:
                throw NotADirectory(file.FullName, input);
            case string text:
                return FromText(text, input);
            default:
                var obj = input as PSObject ?? PSObject.AsPSObject(value);
                if (obj.Properties["DiffId"]?.Value is { } diffId && diffId.ToString() is { Length: > 0 } diffIdText)
                {
                    var storePath = obj.Properties["StorePath"]?.Value?.ToString();
                    var store = Store(string.IsNullOrEmpty(storePath) ? null : storePath);
                    return new ComparisonSide(ComparisonTrees.Layer(store, diffIdText), LayerAddress(store, obj.Properties["Image"]?.Value?.ToString(), diffIdText));
                }

                var resolved = Resolve(input);
                return ImageSide(resolved.Store, resolved.Stored);
        }
    }

    private static ComparisonSide ImageSide(LayerStore store, StoredImage stored)
    {
        var top = Provider.ImagePathName.Of(new ImageCatalog(store), stored);
        return new ComparisonSide(ComparisonTrees.Image(store, stored), p => Provider.DrivePath.ForFile(Provider.DriveKind.Image, store.Root, top, p));
    }

    /// <summary>A folder; with a -Path that names one directory (no wildcard) the folder stands for that directory (see LayerComparer).</summary>
    private ComparisonSide DirectorySide(string directory)
    {
        var mount = PathWildcard.Literal(Path);
        return new(
            ComparisonTrees.Directory(directory),
            p => System.IO.Path.Join(directory, (mount is not null && p.StartsWith(mount, StringComparison.Ordinal) ? p[mount.Length..] : p).TrimStart('/')));
    }

    private static ComparisonSide ContainerSide(ContainerStore containers, string nameOrId)
    {
        var name = containers.Get(nameOrId).Name;
        return new ComparisonSide(ComparisonTrees.Container(containers, nameOrId), p => Provider.DrivePath.ForFile(Provider.DriveKind.Container, containers.Store.Root, name, p));
    }

    /// <summary>A layer's file is addressed in the image it was listed for (read-only there); a bare DiffID has no drive, so its files get a path no provider resolves.</summary>
    private static Func<string, string> LayerAddress(LayerStore store, string? image, string diffId)
    {
        if (!string.IsNullOrEmpty(image))
        {
            var top = ImageReference.TryParse(image, out _) ? Provider.ImagePathName.Encode(image) : image;
            return p => Provider.DrivePath.ForFile(Provider.DriveKind.Image, store.Root, top, p);
        }

        var hex = diffId.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal) ? diffId[Digest.Sha256Prefix.Length..] : diffId;
        return p => "layer-" + hex[..Math.Min(12, hex.Length)] + ":" + p;
    }

    private ComparisonSide FromText(string text, object input)
    {
        var directory = HostDirectory(text, input);
        if (directory is not null)
        {
            return DirectorySide(directory);
        }

        var store = Store();
        StoreReference found;
        try
        {
            found = new ReferenceResolver(store, Catalog()).Resolve(text, input);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ComparisonSideNotFound")
        {
            // An image in a registry: its layers are fetched (those the store lacks) as the comparison reads them.
            var remote = RegistryAccess.ReadImage(this, SignIn, store, text, CancellationToken);
            if (remote is null)
            {
                throw;
            }

            return ImageSide(store, remote);
        }

        if (found.Image is { } stored)
        {
            return ImageSide(store, stored);
        }

        return found.DiffId is { } diffId
            ? new ComparisonSide(ComparisonTrees.Layer(store, diffId), LayerAddress(store, null, diffId))
            : ContainerSide(new ContainerStore(store), found.Container!);
    }

    /// <summary>The folder a path names through the FileSystem provider; null when it names none. A file is an error.</summary>
    private string? HostDirectory(string text, object input)
    {
        System.Collections.ObjectModel.Collection<string> paths;
        ProviderInfo provider;
        try
        {
            paths = SessionState.Path.GetResolvedProviderPathFromPSPath(text, out provider);
        }
        catch (Exception ex) when (ex is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or System.IO.DriveNotFoundException or ProviderNotFoundException
            or PSArgumentException or PSNotSupportedException or NotSupportedException or ArgumentException or ProviderInvocationException or IOException)
        {
            return null;
        }

        if (provider.Name != "FileSystem" || paths.Count != 1)
        {
            return null;
        }

        if (Directory.Exists(paths[0]))
        {
            return paths[0];
        }

        if (File.Exists(paths[0]) && !ReferenceResolver.LooksLikeImageOrLayer(text))
        {
            throw NotADirectory(paths[0], input);
        }

        return null;
    }

    private static LayerToolsException NotADirectory(string path, object input) => new(
        "NotADirectory",
        ErrorKind.InvalidArgument,
        $"'{path}' is a file; Compare-Layer compares directories, layers and images. Give the folder that holds it.",
        input);

    private static string Describe(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        return value switch
        {
            LayerInfo layer => $"layer {layer.Index} of {layer.Image}",
            _ => value.ToString() ?? value.GetType().Name,
        };
    }
}
