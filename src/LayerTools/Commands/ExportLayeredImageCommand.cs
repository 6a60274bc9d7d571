using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Interchange;

namespace LayerTools.Commands;

/// <summary>Writes images (all piped images into one archive) as a docker-archive, an OCI layout directory, or an OCI archive.</summary>
[Cmdlet(VerbsData.Export, "LayeredImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FileInfo), typeof(DirectoryInfo))]
public sealed class ExportLayeredImageCommand : ImageCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    private readonly List<ResolvedImage> _images = new();

    /// <summary>The archive file (or, for OciLayout, the directory) to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>DockerArchive (the default; what docker load reads), OciLayout (a directory), or OciArchive (a tar of an OCI layout).</summary>
    [Parameter]
    public ExportFormat Format { get; set; } = ExportFormat.DockerArchive;

    /// <summary>How layers are compressed: Gzip (the default), Zstd, or None.</summary>
    [Parameter]
    public LayerCompression Compression { get; set; } = LayerCompression.Gzip;

    /// <summary>Overwrites an existing file without asking.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes the archive's FileInfo (or the layout's DirectoryInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var image = ResolveImage();
        if (_images.Count > 0 && _images[0].Store.Root != image.Store.Root)
        {
            throw new LayerToolsException(
                "ImagesFromSeveralStores",
                ErrorKind.InvalidArgument,
                $"{image.Label} is in the store '{image.Store.Root}', the other images in '{_images[0].Store.Root}'; one archive is written from one store.",
                Image);
        }

        if (!_images.Any(i => i.Stored.Manifest.Digest == image.Stored.Manifest.Digest && i.Stored.Reference?.ToString() == image.Stored.Reference?.ToString()))
        {
            _images.Add(image);
        }
    }

    protected override void End()
    {
        if (_images.Count == 0)
        {
            return;
        }

        var target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var exists = Format == ExportFormat.OciLayout
            ? File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            : File.Exists(target) || Directory.Exists(target);
        var what = string.Join(", ", _images.Select(i => i.Label));
        var action = exists ? $"Overwrite with {Format} of {what}" : $"Write {Format} of {what}";
        if (!ShouldProcess(target, action))
        {
            return;
        }

        if (exists && !Force && !ConfirmedByUser())
        {
            throw new LayerToolsException(
                "ExportTargetExists",
                ErrorKind.ResourceExists,
                $"'{target}' already exists. Use -Force to overwrite it, or choose another -Path.",
                target);
        }

        var store = _images[0].Store;
        var progress = NewProgress();
        try
        {
            WriteVerbose($"Exporting {what} to '{target}' as {Format} ({Compression}).");
            ImageExporter.Export(store, _images.Select(i => i.Stored).ToList(), target, Format, Compression, progress, CancellationToken);
        }
        finally
        {
            progress.Complete();
        }

        if (PassThru)
        {
            WriteObject(Format == ExportFormat.OciLayout ? new DirectoryInfo(target) : new FileInfo(target));
        }
    }

    private bool ConfirmedByUser() =>
        MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm) && confirm is SwitchParameter { IsPresent: true };
}
