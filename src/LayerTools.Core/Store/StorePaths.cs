namespace LayerTools.Core.Store;

/// <summary>Where the store lives when no path is given.</summary>
public static class StorePaths
{
    public const string EnvironmentVariable = "LAYERTOOLS_STORE";

    /// <summary>$LAYERTOOLS_STORE, else $XDG_DATA_HOME/layertools, ~/.local/share/layertools, or %LOCALAPPDATA%\LayerTools.</summary>
    public static string Default()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "LayerTools");
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "layertools");
        }

        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "layertools");
    }
}
