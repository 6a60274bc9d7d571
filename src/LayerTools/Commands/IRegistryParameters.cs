using System.Management.Automation;

namespace LayerTools.Commands;

/// <summary>
/// A cmdlet that may reach a registry (to pull, push, read an image there, or fetch the remote layers
/// of an image whose files it reads): its -Credential signs in to every registry it reaches, in place
/// of the saved credentials, and -SkipCertificateCheck accepts any certificate there. Neither is saved.
/// </summary>
internal interface IRegistryParameters
{
    PSCredential? Credential { get; }

    SwitchParameter SkipCertificateCheck { get; }
}
