using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Store;

/// <summary>
/// Stops what a dead operation left running or mounted in its scratch folder (Linux): a RUN's OCI
/// container, found by the runtime's own state file in the folder (state.json: the init's pid and
/// start time, and its cgroups), the unshare fallback's processes, found by their root or working
/// folder inside it, and the overlay mounts on it, found in /proc/self/mountinfo.
/// </summary>
internal static class ScratchReclaimer
{
    /// <summary>Kills every process that runs in <paramref name="dir"/> and waits (bounded) for them to go.</summary>
    public static void StopWhatRunsIn(string dir)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)) + "/";
        var cgroups = new List<string>();
        var doomed = new List<int>();
        foreach (var state in RuntimeStates(dir))
        {
            var (pid, start, paths) = ReadState(state);
            if (pid > 0 && ProcessIdentity.StartTime(pid) == start)
            {
                doomed.Add(pid);
            }

            cgroups.AddRange(paths);
        }

        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId
                && (IsUnder(proc + "/root", prefix) || IsUnder(proc + "/cwd", prefix)))
            {
                doomed.Add(pid);
            }
        }

        foreach (var pid in doomed.Distinct())
        {
            Kill(pid);
        }

        // An emptied cgroup is removed by rmdir; give the killed processes a moment to leave it.
        var watch = Stopwatch.StartNew();
        foreach (var cgroup in cgroups.Distinct(StringComparer.Ordinal))
        {
            while (Directory.Exists(cgroup) && !TryRemoveDirectory(cgroup) && watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Unmounts (lazily, deepest first) every mount on or under <paramref name="dir"/>.</summary>
    public static void UnmountUnder(string dir)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        var points = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4)
            {
                var point = Unescape(fields[4]);
                if (point == full || point.StartsWith(full + "/", StringComparison.Ordinal))
                {
                    points.Add(point);
                }
            }
        }

        foreach (var point in points.OrderByDescending(p => p.Length))
        {
            try
            {
                LinuxNative.Umount2(point, LinuxNative.MntDetach);
            }
            catch (IOException)
            {
                // Already gone (a stacked mount unmounted with its parent).
            }
        }
    }

    /// <summary>runc's and crun's state files (&lt;state root&gt;/&lt;id&gt;/state.json) anywhere in the folder, a few levels down.</summary>
    private static IEnumerable<string> RuntimeStates(string dir)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        return Directory.EnumerateDirectories(dir, "*-state", options)
            .SelectMany(s => Directory.EnumerateFiles(s, "state.json", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1, AttributesToSkip = FileAttributes.ReparsePoint }));
    }

    private static (int Pid, ulong Start, IReadOnlyList<string> Cgroups) ReadState(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var pid = root.TryGetProperty("init_process_pid", out var p) && p.TryGetInt32(out var v) ? v : 0;
            var start = root.TryGetProperty("init_process_start", out var s) && s.TryGetUInt64(out var t) ? t : 0;
            var cgroups = new List<string>();
            if (root.TryGetProperty("cgroup_paths", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                cgroups.AddRange(c.EnumerateObject().Select(x => x.Value.GetString()).Where(x => x is not null && x.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal))!);
            }

            return (pid, start, cgroups);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return (0, 0, Array.Empty<string>());
        }
    }

    private static bool IsUnder(string link, string prefix)
    {
        try
        {
            var target = new FileInfo(link).LinkTarget;
            return target is not null && (target + "/").StartsWith(prefix, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
        }
    }

    private static bool TryRemoveDirectory(string path)
    {
        try
        {
            Directory.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return !Directory.Exists(path);
        }
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length)
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }

        return sb.ToString();
    }
}
