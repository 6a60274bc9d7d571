namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// <c>sharing=</c> of a cache mount: <c>shared</c> (every step uses the directory at once),
/// <c>private</c> (a step that finds it in use gets a fresh empty directory instead) or
/// <c>locked</c> (a step waits until the one using it is done).
/// </summary>
internal enum RunMountSharing
{
    Shared,
    Private,
    Locked,
}
