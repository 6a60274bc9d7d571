using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>Pushes images from the store to a registry, as docker push does.</summary>
[Cmdlet(VerbsData.Publish, "LayeredImage", SupportsShouldProcess = true)]
[OutputType(typeof(PublishedImage))]
public sealed class PublishLayeredImageCommand : ImageCmdlet, IRegistryParameters
{
    /// <summary>registry/repository[:tag] to push to; by default the image's own name.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>The user and password (or token) for the registry; wins over any saved credential.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registry.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void Process()
    {
        var resolved = ResolveImage();
        var destination = Destination is not null
            ? ImageReference.Parse(Destination)
            : resolved.Stored.Reference ?? throw new LayerToolsException("DestinationRequired", ErrorKind.InvalidArgument, $"The image {resolved.Stored.Manifest.Digest} has no name; give -Destination registry/repository:tag.", Image);
        var target = destination.FullName + ":" + destination.Tag;
        if (!ShouldProcess(target, $"Push {resolved.Stored.Reference?.ToString() ?? resolved.Stored.Manifest.Digest}"))
        {
            return;
        }

        using var client = RegistryAccess.Open(this, RegistryEndpoint.For(destination), Credential, SkipCertificateCheck);
        var progress = NewProgress();
        PublishedImage published;
        try
        {
            published = ImagePusher.Push(resolved.Catalog, resolved.Stored, client, destination, progress, CancellationToken);
        }
        finally
        {
            progress.Complete();
            RegistryAccess.WriteNotes(this, client);
        }

        WriteVerbose($"Pushed {published.Reference} ({published.Digest}): {published.Uploaded} blob(s) uploaded, {published.Mounted} mounted from other repositories, {published.Existing} already there.");
        WriteObject(published);
    }
}
