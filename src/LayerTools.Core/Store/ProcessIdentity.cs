using System.Diagnostics;
using System.Globalization;

namespace LayerTools.Core.Store;

/// <summary>
/// A process named so that the name outlives it without being mistaken for a later one: its pid and
/// its start time (on Linux the clock ticks since boot of /proc/&lt;pid&gt;/stat, exact and never reused
/// with the pid). A short-lived temporary file carries its writer's token in its name (see
/// <see cref="AtomicFile"/>), so the next command removes it at once when the writer is gone.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<string> CurrentToken = new(() => Token(Environment.ProcessId, StartTime(Environment.ProcessId)));

    /// <summary>This process: "p&lt;pid&gt;-&lt;start&gt;".</summary>
    public static string Current => CurrentToken.Value;

    /// <summary>The token in a name like "x.&lt;token&gt;.tmp", or null.</summary>
    public static string? TokenIn(string fileName)
    {
        var parts = fileName.Split('.');
        return parts.Length >= 3 && parts[^1] == "tmp" && Parse(parts[^2]) is not null ? parts[^2] : null;
    }

    /// <summary>True while the process the token names runs.</summary>
    public static bool IsAlive(string token)
    {
        if (Parse(token) is not { } p)
        {
            return true;
        }

        return p.Start != 0 && StartTime(p.Pid) == p.Start;
    }

    private static string Token(int pid, ulong start) => "p" + pid.ToString(CultureInfo.InvariantCulture) + "-" + start.ToString(CultureInfo.InvariantCulture);

    private static (int Pid, ulong Start)? Parse(string token)
    {
        var dash = token.IndexOf('-', StringComparison.Ordinal);
        return token.StartsWith('p') && dash > 1
            && int.TryParse(token.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && ulong.TryParse(token.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? (pid, start)
            : null;
    }

    /// <summary>When the process started (0 when there is no such process).</summary>
    public static ulong StartTime(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return ulong.Parse(fields[19], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return 0;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return (ulong)(process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return 0;
        }
    }
}
