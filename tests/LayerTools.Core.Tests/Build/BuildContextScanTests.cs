using LayerTools.Core.Build.Context;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Build;

/// <summary>The context scan (one statx per entry, folders and large folders on all cores) says what FileInfo says.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BuildContextScanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lt-context-scan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Every_entry_has_the_size_mode_mtime_type_link_and_hard_link_key_of_the_file_on_disk()
    {
        // A folder large enough to be stat'ed on all cores by itself, and a deeper tree of small ones.
        var big = Directory.CreateDirectory(Path.Combine(_dir, "big")).FullName;
        for (var i = 0; i < 2100; i++)
        {
            File.WriteAllText(Path.Combine(big, $"f{i}"), new string('x', i % 97));
        }

        var deep = Directory.CreateDirectory(Path.Combine(_dir, "a", "b", "c")).FullName;
        File.WriteAllText(Path.Combine(deep, "leaf.txt"), "leaf");
        File.SetUnixFileMode(Path.Combine(deep, "leaf.txt"), UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.SetUser);
        File.SetLastWriteTimeUtc(Path.Combine(deep, "leaf.txt"), new DateTime(2020, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc));
        File.CreateSymbolicLink(Path.Combine(_dir, "a", "link"), "b/c/leaf.txt");
        File.WriteAllText(Path.Combine(_dir, "one"), "linked");
        using (var ln = System.Diagnostics.Process.Start("ln", [Path.Combine(_dir, "one"), Path.Combine(_dir, "a", "two")]))
        {
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        }

        Directory.CreateDirectory(Path.Combine(_dir, "skipped", "inner"));
        File.WriteAllText(Path.Combine(_dir, "skipped", "inner", "x"), "x");

        var context = BuildContext.Scan(_dir, (rel, _) => rel == "skipped" || rel.StartsWith("skipped/", StringComparison.Ordinal), rel => rel == "skipped");

        Assert.Equal(1 + 1 + 2100 + 3 + 1 + 1 + 1 + 1, context.Count);
        Assert.Null(context.Get("skipped"));
        Assert.Null(context.Get("skipped/inner/x"));
        foreach (var entry in context.All.Where(e => e.Type == EntryType.File))
        {
            var info = new FileInfo(entry.FullPath);
            Assert.Equal(info.Length, entry.Size);
            Assert.Equal(info.LastWriteTimeUtc.Ticks, entry.ModifiedTicks);
            Assert.Equal(new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds(), entry.ModifiedTime);
            Assert.Equal((int)info.UnixFileMode, entry.Mode);
        }

        var leaf = context.Get("a/b/c/leaf.txt")!;
        Assert.Equal(0x940, leaf.Mode);
        Assert.Equal(new DateTime(2020, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc).Ticks, leaf.ModifiedTicks);
        Assert.Equal(EntryType.Directory, context.Get("a/b")!.Type);
        Assert.Equal(EntryType.SymbolicLink, context.Get("a/link")!.Type);
        Assert.Equal("b/c/leaf.txt", context.Get("a/link")!.LinkTarget);
        Assert.NotNull(context.Get("one")!.HardLinkKey);
        Assert.Equal(context.Get("one")!.HardLinkKey, context.Get("a/two")!.HardLinkKey);
        Assert.Null(context.Get("big/f1")!.HardLinkKey);
        Assert.Equal(Enumerable.Range(0, 2100).Select(i => $"big/f{i}").Order(StringComparer.Ordinal), context.Under("big").Select(e => e.Path));
    }

    [Fact]
    public void A_folder_that_fails_among_several_of_its_level_surfaces_as_its_own_error_not_an_aggregate()
    {
        // Two sibling chains of folders, each beyond PATH_MAX at the same depth, so the failing folders
        // are listed side by side on the pool (a level of one folder is listed on the caller's thread).
        // Made and removed by shell relative steps: .NET's own calls take the whole path.
        var segment = new string('d', 250);
        var make = string.Join(" && ", Enumerable.Repeat($"mkdir {segment} && cd {segment}", 20));
        try
        {
            foreach (var chain in new[] { "a", "b" })
            {
                Directory.CreateDirectory(Path.Combine(_dir, chain));
                Bash($"cd '{Path.Combine(_dir, chain)}' && {make}");
            }

            var ex = Assert.ThrowsAny<Exception>(() => BuildContext.Scan(_dir));
            // The folder's own open fails (ENAMETOOLONG) before it is listed: the scan's error for it.
            Assert.Equal("HostFileUnreadable", Assert.IsType<LayerToolsException>(ex).ErrorId);
            Assert.Contains(segment, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Bash($"rm -rf '{Path.Combine(_dir, "a")}' '{Path.Combine(_dir, "b")}'");
        }
    }

    private static void Bash(string script)
    {
        using var sh = System.Diagnostics.Process.Start("bash", ["-c", script])!;
        sh.WaitForExit();
        Assert.Equal(0, sh.ExitCode);
    }
}
