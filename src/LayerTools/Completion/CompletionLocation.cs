using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace LayerTools.Completion;

/// <summary>Where a path typed on a command line points: relative to PowerShell's current folder (not the process's), PowerShell drives and ~ understood.</summary>
internal static class CompletionLocation
{
    /// <summary>The host path <paramref name="path"/> names on the FileSystem provider; null when it names none.</summary>
    public static string? HostPath(object? path)
    {
        var text = (path is PSObject pso ? pso.BaseObject : path)?.ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            var sessionPath = SessionPath();
            if (sessionPath is null)
            {
                return Path.GetFullPath(text);
            }

            var resolved = sessionPath.GetUnresolvedProviderPathFromPSPath(text, out var provider, out _);
            return provider.Name == "FileSystem" ? resolved : null;
        }
        catch (Exception ex) when (ex is ArgumentException or PSInvalidOperationException or ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The session's path API (its current location), from the runspace the completion runs in; null outside one.</summary>
    private static PathIntrinsics? SessionPath()
    {
        if (Runspace.DefaultRunspace is null)
        {
            return null;
        }

        var found = ScriptBlock.Create("$ExecutionContext.SessionState.Path").Invoke();
        return found.Count == 1 ? found[0].BaseObject as PathIntrinsics : null;
    }
}
