namespace LayerTools.Core.Lint;

/// <summary>
/// A system package manager the checker knows: the programs, the words that install, how a RUN
/// shows it cleaned up, and the folders its lists and caches live in (image paths, no leading slash).
/// </summary>
internal sealed record PackageManager(string Name, string[] Programs, string[] InstallWords, Func<ShellCommands, bool> Cleans, string[] CachePaths, string CleanCommand)
{
    public static IReadOnlyList<PackageManager> All { get; } = new[]
    {
        new PackageManager("apt", new[] { "apt-get", "apt" }, new[] { "install" }, s => Removes(s, "/var/lib/apt/lists"), new[] { "var/lib/apt/lists", "var/cache/apt/archives" }, "rm -rf /var/lib/apt/lists/*"),
        new PackageManager("apk", new[] { "apk" }, new[] { "add" }, s => s.Calls("apk").Where(c => c.Contains("add")).All(c => c.Contains("--no-cache")) || Removes(s, "/var/cache/apk"), new[] { "var/cache/apk" }, "apk add --no-cache"),
        new PackageManager("yum", new[] { "yum" }, new[] { "install", "update", "upgrade" }, s => CleansAll(s, "yum") || Removes(s, "/var/cache/yum"), new[] { "var/cache/yum" }, "yum clean all"),
        new PackageManager("dnf", new[] { "dnf", "microdnf" }, new[] { "install", "update", "upgrade" }, s => CleansAll(s, "dnf", "microdnf") || Removes(s, "/var/cache/dnf"), new[] { "var/cache/dnf", "var/cache/libdnf5" }, "dnf clean all"),
        new PackageManager("zypper", new[] { "zypper" }, new[] { "install", "in" }, s => s.Calls(new[] { "zypper" }, "clean", "cc") || Removes(s, "/var/cache/zypp"), new[] { "var/cache/zypp" }, "zypper clean --all"),
    };

    /// <summary>True when the RUN installs packages with this manager.</summary>
    public bool Installs(ShellCommands commands) => commands.Calls(Programs, InstallWords);

    private static bool CleansAll(ShellCommands s, params string[] programs) =>
        s.Calls(programs).Any(c => c.Contains("clean") && c.Contains("all"));

    private static bool Removes(ShellCommands s, string folder) =>
        s.Calls("rm").Any(c => c.Skip(1).Any(a => a.TrimEnd('/', '*').TrimEnd('/').Equals(folder, StringComparison.Ordinal) || a.StartsWith(folder + "/", StringComparison.Ordinal)));
}
