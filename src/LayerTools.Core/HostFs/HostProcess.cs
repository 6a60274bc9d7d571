using System.Diagnostics;

namespace LayerTools.Core.HostFs;

/// <summary>Runs a host tool (mount, runc, unshare: never anything from an image) and collects its output.</summary>
internal static class HostProcess
{
    /// <summary>The first of <paramref name="names"/> found as an executable in PATH or the usual system folders.</summary>
    public static string? Find(params string[] names)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" });
        foreach (var name in names)
        {
            foreach (var dir in dirs)
            {
                if (!dir.StartsWith('/'))
                {
                    continue;
                }

                var candidate = Path.Combine(dir, name);
                if (!OperatingSystem.IsWindows() && File.Exists(candidate) && (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0)
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static (int ExitCode, string Output, string Error) Run(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Cannot start '{file}'.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        return (process.ExitCode, output.Result, error.Result);
    }
}
