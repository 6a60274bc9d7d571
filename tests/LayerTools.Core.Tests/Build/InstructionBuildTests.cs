using System.Text.Json.Nodes;
using LayerTools.Core.Interchange;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Build;

/// <summary>Real builds (no RUN) of every metadata instruction, COPY's rules, the context rules and the FROM transports.</summary>
public sealed class InstructionBuildTests : IClassFixture<BuildFixture>
{
    private readonly BuildFixture _f;

    public InstructionBuildTests(BuildFixture fixture) => _f = fixture;

    private static string[] Strings(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<string>()).ToArray();

    private static JsonObject Runtime(JsonObject config) => config["config"]!.AsObject();

    [Fact]
    public void EntrypointResetsAnInheritedCmdButKeepsOneSetInTheSameStage()
    {
        var ctx = _f.Context();
        _f.Build(ctx, "FROM busybox:test\nCMD [\"base-cmd\"]\n", "ep-base:1");
        _f.Build(ctx, "FROM ep-base:1\nENTRYPOINT [\"/bin/app\", \"--flag\"]\n", "ep-exec:1");
        _f.Build(ctx, "FROM ep-base:1\nCMD [\"own\"]\nENTRYPOINT exec top -b\n", "ep-shell:1");
        _f.Build(ctx, "FROM ep-base:1\nENTRYPOINT [\"/e\"]\nCMD [\"after\"]\n", "ep-after:1");

        Assert.Equal(new[] { "base-cmd" }, _f.Load("ep-base:1").Config.Cmd);
        var exec = _f.Load("ep-exec:1").Config;
        Assert.Equal(new[] { "/bin/app", "--flag" }, exec.Entrypoint);
        Assert.Null(exec.Cmd);
        var shell = _f.Load("ep-shell:1").Config;
        Assert.Equal(new[] { "/bin/sh", "-c", "exec top -b" }, shell.Entrypoint);
        Assert.Equal(new[] { "own" }, shell.Cmd);
        Assert.Equal(new[] { "after" }, _f.Load("ep-after:1").Config.Cmd);
        Assert.Equal("ENTRYPOINT [\"/bin/sh\" \"-c\" \"exec top -b\"]", _f.Catalog.History(_f.Catalog.Resolve("ep-shell:1"))[^1].CreatedBy);
    }

    [Fact]
    public void ShellStopsignalVolumeMaintainerExposeLabelAndEnvLandInTheConfig()
    {
        var ctx = _f.Context();
        _f.Build(ctx, """
            FROM busybox:test
            MAINTAINER Jane Doe <jane@example.org>
            SHELL ["/bin/sh", "-ec"]
            CMD echo shell form
            STOPSIGNAL SIGQUIT
            VOLUME ["/data", "/logs"]
            VOLUME /cache /tmp/x
            EXPOSE 80 53/udp 443/TCP
            LABEL a=1 "b c"="d e" quoted="say \"hi\"" multi="one \
                two"
            ENV LEGACY some value with spaces
            ENV A=1 B="two words"
            """, "meta:1");

        var config = _f.Config("meta:1");
        var runtime = Runtime(config);
        var image = _f.Load("meta:1");
        Assert.Equal("Jane Doe <jane@example.org>", config["author"]!.GetValue<string>());
        Assert.Equal(new[] { "/bin/sh", "-ec" }, image.Config.Shell);
        Assert.Equal(new[] { "/bin/sh", "-ec", "echo shell form" }, image.Config.Cmd);
        Assert.Equal("SIGQUIT", image.Config.StopSignal);
        Assert.Equal(new[] { "/cache", "/data", "/logs", "/tmp/x" }, image.Config.Volumes.OrderBy(v => v, StringComparer.Ordinal));
        Assert.Equal(4, runtime["Volumes"]!.AsObject().Count);
        Assert.Equal(new[] { "443/tcp", "53/udp", "80/tcp" }, image.Config.ExposedPorts.OrderBy(v => v, StringComparer.Ordinal));
        Assert.Equal("1", image.Config.Labels["a"]);
        Assert.Equal("d e", image.Config.Labels["b c"]);
        Assert.Equal("say \"hi\"", image.Config.Labels["quoted"]);
        Assert.Equal("one     two", image.Config.Labels["multi"]);
        Assert.Contains("LEGACY=some value with spaces", image.Config.Env);
        Assert.Contains("B=two words", image.Config.Env);
        Assert.Equal(1, image.LayerCount);
        Assert.Equal(_f.Load("busybox:test").Layers, image.Layers);
        var history = _f.Catalog.History(_f.Catalog.Resolve("meta:1"));
        Assert.All(history.Skip(1), h => Assert.True(h.EmptyLayer, h.CreatedBy));
        Assert.Contains(history, h => h.CreatedBy == "MAINTAINER Jane Doe <jane@example.org>");
    }

    [Fact]
    public void HealthcheckFlagsBecomeNanosecondsAndNoneDisablesIt()
    {
        var ctx = _f.Context();
        _f.Build(ctx, "FROM busybox:test\nHEALTHCHECK --interval=30s --timeout=1m30s --start-period=5s --start-interval=500ms --retries=4 CMD wget -q -O- localhost || exit 1\n", "hc:1");
        _f.Build(ctx, "FROM hc:1\nHEALTHCHECK NONE\n", "hc-none:1");
        _f.Build(ctx, "FROM busybox:test\nHEALTHCHECK CMD [\"/bin/check\", \"-v\"]\n", "hc-exec:1");

        var check = Runtime(_f.Config("hc:1"))["Healthcheck"]!.AsObject();
        Assert.Equal(new[] { "CMD-SHELL", "wget -q -O- localhost || exit 1" }, Strings(check["Test"]));
        Assert.Equal(30_000_000_000L, check["Interval"]!.GetValue<long>());
        Assert.Equal(90_000_000_000L, check["Timeout"]!.GetValue<long>());
        Assert.Equal(5_000_000_000L, check["StartPeriod"]!.GetValue<long>());
        Assert.Equal(500_000_000L, check["StartInterval"]!.GetValue<long>());
        Assert.Equal(4, check["Retries"]!.GetValue<int>());
        Assert.Equal(new[] { "NONE" }, Strings(Runtime(_f.Config("hc-none:1"))["Healthcheck"]!["Test"]));
        var exec = Runtime(_f.Config("hc-exec:1"))["Healthcheck"]!.AsObject();
        Assert.Equal(new[] { "CMD", "/bin/check", "-v" }, Strings(exec["Test"]));
        Assert.Null(exec["Interval"]);
        Assert.Equal("HEALTHCHECK &{[\"CMD-SHELL\" \"wget -q -O- localhost || exit 1\"] \"30s\" \"1m30s\" \"5s\" \"500ms\" '\\x04'}", _f.Catalog.History(_f.Catalog.Resolve("hc:1"))[^1].CreatedBy);
        Assert.Equal("HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" \"0s\" '\\x00'}", _f.Catalog.History(_f.Catalog.Resolve("hc-none:1"))[^1].CreatedBy);
    }

    [Fact]
    public void AnArgBeforeFromNamesTheBaseImage()
    {
        var ctx = _f.Context();
        _f.Build(ctx, "ARG BASE=busybox:test\nARG VARIANT\nFROM ${BASE}\nARG BASE\nLABEL base=$BASE variant=${VARIANT:-none}\n", "argfrom:1");
        var image = _f.Load("argfrom:1");
        Assert.Equal("busybox:test", image.Config.Labels["base"]);
        Assert.Equal("none", image.Config.Labels["variant"]);
        Assert.Equal(_f.Load("busybox:test").Layers, image.Layers);
    }

    [Fact]
    public void OnbuildIsRecordedAndRunsFirstInTheNextBuildWhoseConfigHasNone()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "marker.txt"), "from trigger\n");
        _f.Build(ctx, "FROM busybox:test\nONBUILD COPY marker.txt /onbuild/\nONBUILD LABEL triggered=yes\n", "onbuild-base:1");
        Assert.Equal(new[] { "COPY marker.txt /onbuild/", "LABEL triggered=yes" }, Strings(Runtime(_f.Config("onbuild-base:1"))["OnBuild"]));
        Assert.Null(_f.View("onbuild-base:1").Get("onbuild"));

        var result = _f.Build(ctx, "FROM onbuild-base:1\nLABEL own=1\n", "onbuild-child:1");
        Assert.Equal("from trigger\n", _f.Read("onbuild-child:1", "/onbuild/marker.txt"));
        Assert.Equal("yes", _f.Load("onbuild-child:1").Config.Labels["triggered"]);
        Assert.Null(Runtime(_f.Config("onbuild-child:1"))["OnBuild"]);
        var order = result.Steps.Select(s => s.Instruction).ToList();
        Assert.True(order.IndexOf("COPY marker.txt /onbuild/") < order.IndexOf("LABEL own=1"), string.Join(" | ", order));
    }

    [Fact]
    public void CopyFromAnImageInTheStoreAndFromAStageIndex()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "f.txt"), "stage file\n");
        _f.Build(ctx, """
            FROM scratch AS files
            COPY f.txt /in-stage/f.txt
            FROM busybox:test
            COPY --from=busybox:test /etc/motd /copied/motd
            COPY --from=0 /in-stage/ /from-index/
            COPY --from=files /in-stage/f.txt /from-name.txt
            """, "copyfrom:1");
        Assert.Equal("welcome\n", _f.Read("copyfrom:1", "/copied/motd"));
        Assert.Equal("stage file\n", _f.Read("copyfrom:1", "/from-index/f.txt"));
        Assert.Equal("stage file\n", _f.Read("copyfrom:1", "/from-name.txt"));
        var missing = LayerAssert.Throws("CopySourceNotFound", () => _f.Build(ctx, "FROM busybox:test\nCOPY --from=busybox:test /nope /x\n", "copyfrom:2"));
        Assert.Contains("Dockerfile:2", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CopyFollowsDockersRulesForWildcardsDirectoriesAndTrailingSlashes()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "a.txt"), "a");
        File.WriteAllText(Path.Combine(ctx, "b.txt"), "b");
        File.WriteAllText(Path.Combine(ctx, "c.md"), "c");
        Directory.CreateDirectory(Path.Combine(ctx, "dir", "sub"));
        File.WriteAllText(Path.Combine(ctx, "dir", "sub", "d.txt"), "d");
        _f.Build(ctx, """
            FROM busybox:test
            COPY *.txt /wild/
            COPY [ab].txt /cls/
            COPY dir /contents
            COPY dir/ /contents-slash/
            COPY a.txt /renamed
            COPY a.txt /into/
            WORKDIR /work
            COPY c.md .
            COPY c.md rel/
            COPY a.txt /etc
            """, "wild:1");

        var view = _f.View("wild:1");
        Assert.Equal(new[] { "wild/a.txt", "wild/b.txt" }, view.List("wild").Select(n => n.Entry.Path));
        Assert.Equal(new[] { "cls/a.txt", "cls/b.txt" }, view.List("cls").Select(n => n.Entry.Path));
        Assert.Equal("d", _f.Read("wild:1", "/contents/sub/d.txt"));
        Assert.Null(view.Get("contents/dir"));
        Assert.Equal("d", _f.Read("wild:1", "/contents-slash/sub/d.txt"));
        Assert.Equal(EntryType.File, view.Get("renamed")!.Entry.Type);
        Assert.Equal("a", _f.Read("wild:1", "/into/a.txt"));
        Assert.Equal("c", _f.Read("wild:1", "/work/c.md"));
        Assert.Equal("c", _f.Read("wild:1", "/work/rel/c.md"));
        Assert.Equal("a", _f.Read("wild:1", "/etc/a.txt"));

        LayerAssert.Throws("CopyDestinationNotDirectory", () => _f.Build(ctx, "FROM busybox:test\nCOPY *.txt /notadir\n", "wild:2"));
        LayerAssert.Throws("CopySourceNotFound", () => _f.Build(ctx, "FROM busybox:test\nCOPY *.none /x/\n", "wild:2"));
    }

    [Fact]
    public void CopyOfASymlinkCopiesWhatItPointsToAndKeepsLinksInsideDirectories()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "target.txt"), "target");
        File.CreateSymbolicLink(Path.Combine(ctx, "link"), "target.txt");
        Directory.CreateDirectory(Path.Combine(ctx, "tree"));
        File.CreateSymbolicLink(Path.Combine(ctx, "tree", "inner"), "../target.txt");
        _f.Build(ctx, "FROM busybox:test\nCOPY link /top/\nCOPY tree /tree/\n", "symlink:1");

        var view = _f.View("symlink:1");
        Assert.Equal(EntryType.File, view.Get("top/link")!.Entry.Type);
        Assert.Equal("target", _f.Read("symlink:1", "/top/link"));
        var inner = view.Get("tree/inner")!.Entry;
        Assert.Equal(EntryType.SymbolicLink, inner.Type);
        Assert.Equal("../target.txt", inner.LinkTarget);
    }

    [Fact]
    public void WorkdirIsRelativeToThePreviousAndANewOneBelongsToTheUser()
    {
        var ctx = _f.Context();
        _f.Build(ctx, "FROM busybox:test\nWORKDIR /a\nWORKDIR b\nWORKDIR c\nUSER app\nWORKDIR /owned/deep\nWORKDIR /tmp\n", "workdir:1");
        var image = _f.Load("workdir:1");
        Assert.Equal("/tmp", image.Config.WorkingDir);
        var view = _f.View("workdir:1");
        Assert.Equal(EntryType.Directory, view.Get("a/b/c")!.Entry.Type);
        var owned = view.Get("owned/deep")!.Entry;
        Assert.Equal((1000, 1000), (owned.Uid, owned.Gid));
        var tmp = view.Get("tmp")!.Entry;
        Assert.Equal((0, 0x3FF), (tmp.Uid, tmp.Mode));
        var history = _f.Catalog.History(_f.Catalog.Resolve("workdir:1"));
        Assert.Equal("WORKDIR /a/b", history.Single(h => h.CreatedBy!.StartsWith("WORKDIR /a/b", StringComparison.Ordinal) && !h.CreatedBy.EndsWith('c')).CreatedBy);
        Assert.True(history[^1].EmptyLayer);
    }

    [Fact]
    public void ADockerfileSpecificIgnoreFileWinsOverTheRootOne()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "a.txt"), "a");
        File.WriteAllText(Path.Combine(ctx, "b.txt"), "b");
        File.WriteAllText(Path.Combine(ctx, ".dockerignore"), "a.txt\n");
        File.WriteAllText(Path.Combine(ctx, "app.Dockerfile.dockerignore"), "b.txt\n");
        _f.Build(ctx, "FROM busybox:test\nCOPY a.txt /\n", "ignore:1", file: "app.Dockerfile");
        Assert.Equal("a", _f.Read("ignore:1", "/a.txt"));
        LayerAssert.Throws("CopySourceNotFound", () => _f.Build(ctx, "FROM busybox:test\nCOPY b.txt /\n", "ignore:2", file: "app.Dockerfile"));
        LayerAssert.Throws("CopySourceNotFound", () => _f.Build(ctx, "FROM busybox:test\nCOPY a.txt /\n", "ignore:3"));
    }

    [Fact]
    public async Task AnExcludedFileIsNeverRead()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "kept.txt"), "kept");
        Directory.CreateDirectory(Path.Combine(ctx, "logs"));
        // Opening a FIFO for reading blocks until a writer comes: a build that read it would never end.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", new[] { Path.Combine(ctx, "pipe"), Path.Combine(ctx, "logs", "live") })!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        File.WriteAllText(Path.Combine(ctx, ".dockerignore"), "pipe\nlogs\n");
        var build = Task.Run(() => _f.Build(ctx, "FROM busybox:test\nCOPY . /all/\n", "fifo:1"));
        var finished = await Task.WhenAny(build, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == build, "the build read an excluded FIFO");
        await build;
        var view = _f.View("fifo:1");
        Assert.Equal("kept", _f.Read("fifo:1", "/all/kept.txt"));
        Assert.Null(view.Get("all/pipe"));
        Assert.Null(view.Get("all/logs"));
    }

    [Theory]
    [InlineData(ExportFormat.OciLayout, "oci:", ":v1")]
    [InlineData(ExportFormat.OciArchive, "oci-archive:", "")]
    [InlineData(ExportFormat.DockerArchive, "docker-archive:", "")]
    public void FromTakesAnImageOutsideTheStoreThroughATransport(ExportFormat format, string transport, string selector)
    {
        using var other = new TempStore();
        var stored = TestImages.Add(other.Store, "exported:v1", BusyboxBase.Layer(), new TarBuilder().Dir("opt").File("opt/exported.txt", "exported " + format + "\n"));
        var ctx = _f.Context();
        var path = Path.Combine(ctx, "image-" + format);
        ImageExporter.Export(other.Store, new[] { stored }, path, format, LayerCompression.Gzip);

        var tag = "fromtransport-" + format.ToString().ToLowerInvariant() + ":1";
        _f.Build(ctx, $"FROM {transport}{Path.GetFileName(path)}{selector}\nLABEL via={transport}\n", tag);
        Assert.Equal("exported " + format + "\n", _f.Read(tag, "/opt/exported.txt"));
        Assert.Equal(2, _f.Load(tag).LayerCount);
    }

    [Fact]
    public void TargetStopsAtANamedStage()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "f.txt"), "f");
        var result = _f.Build(ctx, "FROM busybox:test AS base\nCOPY f.txt /base.txt\nFROM base AS final\nCOPY f.txt /final.txt\n", "target:1", target: "base");
        Assert.All(result.Steps, s => Assert.Equal("base", s.Stage));
        var view = _f.View("target:1");
        Assert.NotNull(view.Get("base.txt"));
        Assert.Null(view.Get("final.txt"));
        LayerAssert.Throws("BuildTargetNotFound", () => _f.Build(ctx, "FROM busybox:test AS base\n", "target:2", target: "nope"));
    }

    [Fact]
    public void LabelOptionAndSourceDateEpochApplyToTheImage()
    {
        var ctx = _f.Context();
        File.WriteAllText(Path.Combine(ctx, "f.txt"), "f");
        const long epoch = 1_600_000_000;
        var result = _f.Build(ctx, "FROM busybox:test\nLABEL team=dockerfile keep=1\nCOPY f.txt /f.txt\nENV X=1\n", "epoch:1", epoch: epoch, labels: new Dictionary<string, string> { ["team"] = "option", ["added"] = "yes" });

        var image = _f.Load("epoch:1");
        Assert.Equal("option", image.Config.Labels["team"]);
        Assert.Equal("yes", image.Config.Labels["added"]);
        Assert.Equal("1", image.Config.Labels["keep"]);
        var when = DateTimeOffset.FromUnixTimeSeconds(epoch);
        Assert.Equal(when, image.Created);
        var history = _f.Catalog.History(_f.Catalog.Resolve("epoch:1"));
        Assert.All(history.Skip(1), h => Assert.Equal(when, h.Created));
        Assert.True(_f.View("epoch:1").Get("f.txt")!.Entry.ModifiedTime <= epoch);
        Assert.NotNull(result.Steps.Single(s => s.Instruction == "COPY f.txt /f.txt").LayerDiffId);
    }
}
