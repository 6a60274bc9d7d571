using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Run;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Run;

[Collection(RunnerCollection.Name)]
public sealed class RunExecutorTests
{
    private static RunRequest Shell(string script, ContainerRuntimeKind runtime, string? user = null, string workdir = "/", params string[] env) => new()
    {
        Arguments = new[] { "/bin/sh", "-c", script },
        Environment = env,
        WorkingDirectory = workdir,
        User = user,
        Runtime = runtime,
        SourceDateEpoch = 1_700_000_000,
    };

    private static (RunResult Result, List<RunOutputLine> Lines, List<string> Base) RunIn(TempStore temp, RunRequest request, bool overlay = true, CancellationToken token = default)
    {
        var baseIds = BusyboxBase.AddLayers(temp.Store, BusyboxBase.Layer());
        var lines = new List<RunOutputLine>();
        OverlayMount.SupportedOverride = overlay ? null : false;
        try
        {
            using var staging = temp.Store.BeginStaging();
            var result = RunExecutor.Run(temp.Store, staging, baseIds, request, lines.Add, token);
            return (result, lines, baseIds.ToList());
        }
        finally
        {
            OverlayMount.SupportedOverride = null;
        }
    }

    /// <summary>Off Linux, RUN is a clear error before anything is read or mounted.</summary>
    private static void AssertNeedsLinux(TempStore temp)
    {
        using var staging = temp.Store.BeginStaging();
        var ex = LayerAssert.Throws("RunNeedsLinux", () => RunExecutor.Run(temp.Store, staging, Array.Empty<string>(), Shell("true", ContainerRuntimeKind.Auto), null));
        Assert.Contains("Linux", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertCleanedUp(TempStore temp)
    {
        Assert.Empty(Directory.EnumerateDirectories(temp.Store.TmpDir, "run-*"));
        Assert.DoesNotContain(temp.Root, System.IO.File.ReadAllText("/proc/self/mounts"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc, true)]
    [InlineData(ContainerRuntimeKind.Unshare, true)]
    [InlineData(ContainerRuntimeKind.Runc, false)]
    [InlineData(ContainerRuntimeKind.Unshare, false)]
    public void ACommandsChangesBecomeALayerWithWhiteoutsAndParents(ContainerRuntimeKind runtime, bool overlay)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var (result, _, baseIds) = RunIn(temp, Shell("echo hi > /f; rm /etc/motd; mkdir -p /a/b", runtime), overlay);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(runtime, result.Runtime);
        Assert.Equal(overlay, result.UsedOverlay);
        var layer = Assert.IsType<LayerIndex>(result.Layer);
        var entries = layer.Entries.Select(e => (e.Type == EntryType.Directory ? e.Path + "/" : e.Path) + (e.IsWhiteout ? " " + e.Type : string.Empty)).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "a/", "a/b/", "etc/", "etc/motd Whiteout", "f" }, entries);
        Assert.Equal(Digest.Of("hi\n"), layer.Entries.Single(e => e.Path == "f").Digest);
        var etc = layer.Entries.Single(e => e.Path == "etc");
        Assert.Equal(0x1ED, etc.Mode);
        AssertCleanedUp(temp);

        var base0 = temp.Store.ReadLayerIndex(baseIds[0]);
        var view = UnionView.Build(new[] { base0, layer });
        Assert.Null(view.Get("etc/motd"));
        Assert.NotNull(view.Get("etc/passwd"));
        Assert.Equal(EntryType.Directory, view.Get("a/b")!.Entry.Type);
    }

    [Fact]
    public void WithSourceDateEpochTwoRunsMakeTheSameLayer()
    {
        using var temp1 = new TempStore();
        using var temp2 = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp1);
            return;
        }

        const string script = "echo hi > /f; mkdir -p /a/b; ln /f /a/b/g; ln -s ../f /a/l; rm /etc/motd; chmod 700 /home/app";
        var first = RunIn(temp1, Shell(script, ContainerRuntimeKind.Runc)).Result.Layer!;
        Thread.Sleep(1100);
        var second = RunIn(temp2, Shell(script, ContainerRuntimeKind.Runc)).Result.Layer!;
        Assert.Equal(first.DiffId, second.DiffId);
        Assert.All(first.Entries, e => Assert.True(e.ModifiedTime <= 1_700_000_000));
        // Hard links stay links: the first path in tree order holds the data, the other links to it.
        Assert.Equal(EntryType.File, first.Entries.Single(e => e.Path == "a/b/g").Type);
        var f = first.Entries.Single(e => e.Path == "f");
        Assert.Equal((EntryType.HardLink, "a/b/g"), (f.Type, f.LinkTarget));
    }

    [Fact]
    public void UmociUnpacksAnImageMadeFromARunLayerToTheTreeTheCommandLeft()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var baseIds = BusyboxBase.AddLayers(temp.Store, BusyboxBase.Layer());
        using (var staging = temp.Store.BeginStaging())
        {
            var result = RunExecutor.Run(temp.Store, staging, baseIds, Shell("echo hi > /f; rm /etc/motd; mkdir -p /a/b; ln -s ../../f /a/b/l; chown 1000:1000 /a/b", ContainerRuntimeKind.Runc), null);
            var layers = baseIds.Select(staging.ReadLayerIndex).Append(result.Layer!).ToList();
            var history = layers.Select((l, i) => new LayerTools.Core.Oci.HistoryRecord(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "RUN step " + i, null, null, false)).ToList();
            var config = LayerTools.Core.Oci.ConfigDocument.Create(layers.Select(l => l.DiffId).ToList(), history, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
            var manifest = LayerTools.Core.Images.ImageWriter.Write(staging, config, layers);
            var tagged = LayerTools.Core.Images.ImageCatalog.Tagged(manifest, LayerTools.Core.Images.ImageReference.Parse("ran:1"));
            staging.Commit(d => LayerTools.Core.Images.ImageCatalog.ApplyTag(d, tagged));
        }

        var bundle = Path.Combine(temp.Parent, "bundle");
        var (code, _, error) = HostProcess.Run("umoci", new[] { "unpack", "--image", temp.Root + ":ran:1", bundle });
        Assert.True(code == 0, error);
        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("hi\n", File.ReadAllText(Path.Combine(rootfs, "f")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc/motd")));
        Assert.True(File.Exists(Path.Combine(rootfs, "etc/passwd")));
        Assert.Equal("../../f", new FileInfo(Path.Combine(rootfs, "a/b/l")).LinkTarget);
        var ab = LinuxNative.Stat(LinuxNative.AtFdCwd, Path.Combine(rootfs, "a/b"), 0, out _)!;
        Assert.Equal((1000, 1000), (ab.Uid, ab.Gid));
        Assert.False(Directory.Exists(Path.Combine(rootfs, "proc")));
    }

    [Fact]
    public void OutputLinesReachTheCallbackAsTheyArePrinted()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var (result, lines, _) = RunIn(temp, Shell("echo one; echo two >&2; echo three", ContainerRuntimeKind.Auto));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ContainerRuntimeKind.Runc, result.Runtime);
        Assert.Equal(new[] { "one", "three" }, lines.Where(l => !l.IsError).Select(l => l.Text));
        Assert.Contains(lines, l => l.IsError && l.Text == "two");
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ANonZeroExitCodeIsReportedAndMakesNoLayer(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var (result, _, _) = RunIn(temp, Shell("touch /x; exit 3", runtime));
        Assert.Equal(3, result.ExitCode);
        Assert.Null(result.Layer);
        AssertCleanedUp(temp);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void EnvironmentWorkingDirectoryUserAndHostnameApply(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var request = Shell("id -u; id -g; pwd; echo \"$GREETING\"; hostname; cat /etc/resolv.conf | wc -l", runtime, user: "app", workdir: "/home/app/src", "GREETING=hello world");
        var (result, lines, _) = RunIn(temp, request);
        Assert.Equal(0, result.ExitCode);
        var resolvLines = File.ReadAllLines("/etc/resolv.conf").Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(new[] { "1000", "1000", "/home/app/src", "hello world", "buildkitsandbox", resolvLines }, lines.Where(l => !l.IsError).Select(l => l.Text.Trim()));

        // The working directory was made, and is part of the layer.
        Assert.Contains(result.Layer!.Entries, e => e.Path == "home/app/src" && e.Type == EntryType.Directory);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void AHeredocScriptIsPlacedReadOnlyUnderDevAndStaysOutOfTheLayer(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var request = new RunRequest
        {
            Arguments = new[] { "/dev/pipes/EOF" },
            Files = new[] { new RunFile("/dev/pipes/EOF", "#!/bin/sh\necho from script as $(id -u)\necho x > /tmp/made\necho y >> /dev/pipes/EOF || echo read-only\n"u8.ToArray()) },
            User = "app",
            Runtime = runtime,
        };
        var (result, lines, _) = RunIn(temp, request);
        Assert.Equal(0, result.ExitCode);
        var stdout = lines.Where(l => !l.IsError).Select(l => l.Text).ToList();
        Assert.Equal(new[] { "from script as 1000", "read-only" }, stdout);
        Assert.Equal(new[] { "tmp", "tmp/made" }, result.Layer!.Entries.Select(e => e.Path).Order(StringComparer.Ordinal));
        LayerAssert.Throws("InvalidRunFile", () => RunIn(temp, new RunRequest { Arguments = new[] { "/x" }, Files = new[] { new RunFile("/etc/x", new byte[1]) }, Runtime = runtime }));
    }

    [Fact]
    public void NumericUserAndGroupNeedNoPasswdEntry()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var (result, lines, _) = RunIn(temp, Shell("id -u; id -g", ContainerRuntimeKind.Runc, user: "4242:app"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(new[] { "4242", "1000" }, lines.Where(l => !l.IsError).Select(l => l.Text));
    }

    [Fact]
    public void AnUnknownUserNameIsAClearError()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var ex = LayerAssert.Throws("UserNotFound", () => RunIn(temp, Shell("true", ContainerRuntimeKind.Runc, user: "nobody")));
        Assert.Contains("nobody", ex.Message, StringComparison.Ordinal);
        AssertCleanedUp(temp);
    }

    [Fact]
    public void ACommandThatChangesNothingStillMakesAnEmptyLayer()
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var (result, _, _) = RunIn(temp, Shell("true", ContainerRuntimeKind.Runc));
        Assert.Empty(result.Layer!.Entries);
        Assert.Equal(Digest.Of(new byte[1024]), result.Layer.DiffId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AStepStacksOnTheLayerAnEarlierStepStagedButDidNotCommit(bool overlay)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        var baseIds = BusyboxBase.AddLayers(temp.Store, BusyboxBase.Layer());
        OverlayMount.SupportedOverride = overlay ? null : false;
        try
        {
            using var staging = temp.Store.BeginStaging();
            var first = RunExecutor.Run(temp.Store, staging, baseIds, Shell("mkdir /data && echo one > /data/one", ContainerRuntimeKind.Runc), null);
            Assert.False(temp.Store.HasBlob(first.Layer!.DiffId));
            var parents = baseIds.Append(first.Layer.DiffId).ToList();
            var lines = new List<RunOutputLine>();
            var second = RunExecutor.Run(temp.Store, staging, parents, Shell("cat /data/one; cp /data/one /data/two; rm /data/one", ContainerRuntimeKind.Runc), lines.Add);
            Assert.Equal(new[] { "one" }, lines.Select(l => l.Text));
            var entries = second.Layer!.Entries.Select(e => e.Path + (e.IsWhiteout ? " (whiteout)" : string.Empty)).OrderBy(p => p, StringComparer.Ordinal);
            Assert.Equal(new[] { "data", "data/one (whiteout)", "data/two" }, entries);
            Assert.Equal(Digest.Of("one\n"), second.Layer.Entries.Single(e => e.Path == "data/two").Digest);
        }
        finally
        {
            OverlayMount.SupportedOverride = null;
        }

        AssertCleanedUp(temp);
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void CancellingKillsTheContainerAndCleansUp(ContainerRuntimeKind runtime)
    {
        using var temp = new TempStore();
        if (!OperatingSystem.IsLinux())
        {
            AssertNeedsLinux(temp);
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => RunIn(temp, Shell("echo started; sleep 60", runtime), token: cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"cancel took {watch.Elapsed}");
        AssertCleanedUp(temp);
    }
}
