using System.Management.Automation;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>
/// Creates a container on an image, like <c>docker create</c>: an empty writable layer on top of the
/// image's read-only layers. The image never changes; many containers can share it.
/// </summary>
[Cmdlet(VerbsCommon.New, "ContainerLayer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ContainerLayer))]
public sealed class NewContainerLayerCommand : ImageCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>The container's name; generated (adjective_noun) when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void Process()
    {
        var image = ResolveImage();
        if (!ShouldProcess(image.Label, Name is null ? "Create a container" : $"Create container '{Name}'"))
        {
            return;
        }

        var container = new ContainerStore(image.Store).Create(image.Stored, Name, cancellationToken: CancellationToken);
        WriteVerbose($"Created container {container.Name} ({container.ShortId}) on {container.Image}.");
        WriteObject(container);
    }
}
