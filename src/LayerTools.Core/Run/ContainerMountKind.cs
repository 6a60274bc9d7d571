namespace LayerTools.Core.Run;

/// <summary>How a <see cref="ContainerMount"/> is made.</summary>
internal enum ContainerMountKind
{
    Bind,
    Tmpfs,
}
