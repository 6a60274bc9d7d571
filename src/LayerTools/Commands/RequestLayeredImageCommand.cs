using System.Management.Automation;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>Pulls images from a registry into the store, as docker pull does.</summary>
[Cmdlet(VerbsLifecycle.Request, "LayeredImage")]
[OutputType(typeof(LayeredImage))]
public sealed class RequestLayeredImageCommand : StoreCmdlet, IRegistryParameters
{
    /// <summary>The image: [registry/]repository[:tag] or [registry/]repository@sha256:….</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Reference { get; set; } = Array.Empty<string>();

    /// <summary>os/architecture[/variant] to take from a multi-platform image; the host's by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Platform { get; set; }

    /// <summary>The user and password (or token) for the registry; wins over any saved credential.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registry.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void Process() => ForEachItem(Reference, PullOne);

    private void PullOne(string text)
    {
        var reference = ImageReference.Parse(text);
        var catalog = Catalog();
        using var client = RegistryAccess.Open(this, RegistryEndpoint.For(reference), Credential, SkipCertificateCheck);
        var progress = NewProgress();
        StoredImage stored;
        try
        {
            WriteVerbose($"Pulling {reference.FullName} into the store '{catalog.Store.Root}'.");
            stored = ImagePuller.Pull(catalog.Store, client, reference, Platform, progress, CancellationToken);
        }
        finally
        {
            progress.Complete();
        }

        var image = catalog.Load(stored);
        WriteVerbose($"Pulled {image} ({image.ShortId}, {image.LayerCount} layers, manifest {image.ManifestDigest}).");
        WriteObject(image);
    }
}
