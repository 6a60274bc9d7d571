using System.Management.Automation;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Shows how an image was made, newest record first, like <c>docker history</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ImageHistory")]
[OutputType(typeof(HistoryEntry))]
public sealed class GetImageHistoryCommand : ImageCmdlet, IRegistryParameters
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

    /// <summary>Reads only: no store is created where there is none, unless a registry reference needs one to hold what it reads.</summary>
    protected override bool OpensReadOnly => !RegistryAccess.NamesRegistry(Image is PSObject p ? p.BaseObject : Image);

    protected override void Process()
    {
        var image = ResolveImage();
        var history = image.Catalog.History(image.Stored);
        for (var i = history.Count - 1; i >= 0; i--)
        {
            WriteObject(history[i]);
        }
    }
}
