namespace LayerTools.Core.Build.Syntax;

/// <summary>The <c>type=</c> of a <c>RUN --mount</c>.</summary>
internal enum RunMountType
{
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}
