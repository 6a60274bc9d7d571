using System.Management.Automation;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;

namespace LayerTools.Commands;

/// <summary>Lists the tags of a repository in a registry, one object per tag.</summary>
[Cmdlet(VerbsCommon.Find, "LayeredImage")]
[OutputType(typeof(RegistryTag))]
public sealed class FindLayeredImageCommand : LayerToolsCmdlet
{
    /// <summary>[registry/]repository, for example 127.0.0.1:5000/team/app or alpine.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Repository { get; set; } = Array.Empty<string>();

    /// <summary>The user and password (or token) for the registry; wins over any saved credential.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registry.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override void Process() => ForEachItem(Repository, text =>
    {
        var reference = ImageReference.Parse(text);
        using var client = RegistryAccess.Open(this, RegistryEndpoint.For(reference), Credential, SkipCertificateCheck);
        foreach (var tag in TagLister.List(client, reference.Repository, CancellationToken))
        {
            WriteObject(tag);
        }
    });
}
