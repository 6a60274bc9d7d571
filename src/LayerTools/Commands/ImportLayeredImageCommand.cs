using System.Collections.ObjectModel;
using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Images;
using LayerTools.Core.Interchange;

namespace LayerTools.Commands;

/// <summary>Brings images into the store from a docker-archive, an OCI layout or archive, a root-filesystem tar, or a directory.</summary>
[Cmdlet(VerbsData.Import, "LayeredImage", DefaultParameterSetName = PathSet)]
[OutputType(typeof(LayeredImage))]
public sealed class ImportLayeredImageCommand : StoreCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary>Archives or directories to import; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Archives or directories to import, taken exactly as written.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The name:tag for the image (required for a root-filesystem tar or directory; renames a single image otherwise).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    protected override void Process()
    {
        var tag = Tag is null ? null : ImageReference.Parse(Tag);
        foreach (var path in ResolvePaths())
        {
            try
            {
                ImportOne(path, tag);
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, path);
            }
        }
    }

    private void ImportOne(string path, ImageReference? tag)
    {
        var catalog = Catalog();
        var progress = NewProgress();
        IReadOnlyList<StoredImage> imported;
        try
        {
            WriteVerbose($"Importing '{path}' into the store '{catalog.Store.Root}'.");
            imported = ImageImporter.Import(catalog.Store, path, tag, progress, CancellationToken);
        }
        finally
        {
            progress.Complete();
        }

        foreach (var stored in imported)
        {
            var image = catalog.Load(stored);
            WriteVerbose($"Imported {image} ({image.ShortId}, {image.LayerCount} layers).");
            WriteObject(image);
        }
    }

    private IEnumerable<string> ResolvePaths()
    {
        if (ParameterSetName == LiteralPathSet)
        {
            foreach (var literal in LiteralPath)
            {
                var resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(literal);
                if (File.Exists(resolved) || Directory.Exists(resolved))
                {
                    yield return resolved;
                }
                else
                {
                    WriteError(ErrorRecords.Create("PathNotFound", ErrorKind.ObjectNotFound, $"Cannot find '{resolved}': no such file or directory.", literal));
                }
            }

            yield break;
        }

        foreach (var pattern in Path)
        {
            Collection<string>? resolved = null;
            try
            {
                resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(pattern, out var provider);
                if (provider.Name != "FileSystem")
                {
                    WriteError(ErrorRecords.Create("NotAFileSystemPath", ErrorKind.InvalidArgument, $"'{pattern}' is on the {provider.Name} provider; give a file system path.", pattern));
                    continue;
                }
            }
            catch (ItemNotFoundException)
            {
                WriteError(ErrorRecords.Create("PathNotFound", ErrorKind.ObjectNotFound, $"Cannot find '{pattern}': no such file or directory.", pattern));
                continue;
            }

            foreach (var path in resolved)
            {
                yield return path;
            }
        }
    }
}
