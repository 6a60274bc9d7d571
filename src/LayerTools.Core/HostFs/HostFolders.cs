namespace LayerTools.Core.HostFs;

/// <summary>Removing folders LayerTools made (leftovers, snapshots) when nothing needs them any more.</summary>
internal static class HostFolders
{
    /// <summary>
    /// Removes a folder LayerTools made, never following a link out of it and never crossing a mount
    /// point (a leftover RUN mount); one that cannot be removed now is left for a later sweep.
    /// </summary>
    public static void TryRemove(DirectoryInfo dir)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                SafeRoot.RemoveTree(dir.FullName);
            }
            else
            {
                dir.Delete(recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
