using System.Text;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Build;

[Collection(RunnerCollection.Name)]
public sealed class ImageBuilderTests : IDisposable
{
    private readonly TempStore _t = new();
    private readonly string _ctx;

    public ImageBuilderTests()
    {
        TestImages.Add(_t.Store, "busybox:test", BusyboxBase.Layer());
        _ctx = Path.Combine(_t.Parent, "ctx");
        Directory.CreateDirectory(Path.Combine(_ctx, "src"));
        File.WriteAllText(Path.Combine(_ctx, "package.json"), "{\"name\":\"app\"}");
        File.WriteAllText(Path.Combine(_ctx, "src", "index.js"), "console.log('hi')");
        File.WriteAllText(Path.Combine(_ctx, "secret.env"), "TOKEN=1");
        File.WriteAllText(Path.Combine(_ctx, ".dockerignore"), "*.env\n");
    }

    public void Dispose() => _t.Dispose();

    private const string NodeDockerfile = """
        # syntax=docker/dockerfile:1
        FROM busybox:test
        ARG VERSION=1
        ENV APP_HOME=/app
        WORKDIR $APP_HOME
        COPY package.json .
        RUN echo "v$VERSION" > /app/version && mkdir -p node_modules && echo x > node_modules/m.js
        COPY . .
        LABEL org.example.version=$VERSION
        EXPOSE 8080
        USER app
        CMD ["node", "src/index.js"]
        """;

    private BuildResult Build(string dockerfile, Dictionary<string, string>? args = null, bool noCache = false, string? target = null, long? epoch = null, string? context = null, string[]? tags = null)
    {
        var ctx = context ?? _ctx;
        File.WriteAllText(Path.Combine(ctx, "Dockerfile"), dockerfile);
        return new ImageBuilder(_t.Store, new BuildOptions
        {
            ContextPath = ctx,
            Tags = tags ?? new[] { "app:1" },
            BuildArgs = args ?? new Dictionary<string, string>(),
            NoCache = noCache,
            Target = target,
            SourceDateEpoch = epoch,
        }).Build();
    }

    private string Read(string reference, string path)
    {
        var catalog = new ImageCatalog(_t.Store);
        var view = catalog.Union(catalog.Resolve(reference));
        using var s = LayerContent.Open(_t.Store, view, view.Resolve(path.TrimStart('/')));
        return new StreamReader(s, Encoding.UTF8).ReadToEnd();
    }

    [Fact]
    public void TheNodeExampleBuildsWithTheExpectedFilesConfigAndHistory()
    {
        var result = Build(NodeDockerfile);
        var catalog = new ImageCatalog(_t.Store);
        var image = catalog.Load(catalog.Resolve("app:1"));

        Assert.Equal("v1\n", Read("app:1", "/app/version"));
        Assert.Equal("{\"name\":\"app\"}", Read("app:1", "/app/package.json"));
        var view = catalog.Union(catalog.Resolve("app:1"));
        Assert.Null(view.Get("app/secret.env"));
        Assert.NotNull(view.Get("app/src/index.js"));
        Assert.NotNull(view.Get("app/node_modules/m.js"));

        Assert.Equal("/app", image.Config.WorkingDir);
        Assert.Equal("app", image.Config.User);
        Assert.Equal(new[] { "node", "src/index.js" }, image.Config.Cmd);
        Assert.Contains("APP_HOME=/app", image.Config.Env);
        Assert.Equal("1", image.Config.Labels["org.example.version"]);
        Assert.Equal(new[] { "8080/tcp" }, image.Config.ExposedPorts);
        Assert.Equal(5, image.LayerCount); // base, WORKDIR (new dir), COPY, RUN, COPY

        var history = catalog.History(catalog.Resolve("app:1"));
        Assert.Equal(
            new[] { "ARG VERSION=1", "ENV APP_HOME=/app", "WORKDIR /app", "COPY package.json . # buildkit", "RUN |1 VERSION=1 /bin/sh -c echo \"v$VERSION\" > /app/version && mkdir -p node_modules && echo x > node_modules/m.js # buildkit", "COPY . . # buildkit", "LABEL org.example.version=1", "EXPOSE map[8080/tcp:{}]", "USER app", "CMD [\"node\" \"src/index.js\"]" },
            history.Skip(1).Select(h => h.CreatedBy));
        Assert.All(history.Skip(1), h => Assert.Equal("buildkit.dockerfile.v0", h.Comment));
        Assert.True(history.Single(h => h.CreatedBy == "USER app").EmptyLayer);
        Assert.All(result.Steps, s => Assert.False(s.Cached && s.Instruction.StartsWith("COPY", StringComparison.Ordinal)));
    }

    [Fact]
    public void AStepThatChangesNoFileSaysWhyItMissed_ThenHits()
    {
        // ARG, ENV and WORKDIR of an existing folder make no layer; their miss reason is worked out
        // before the step is remembered (it once found itself in the log: "its layer was removed").
        const string dockerfile = "FROM busybox:test\nWORKDIR /etc\nARG A=1\nENV B=2\n";
        var first = Build(dockerfile);
        Assert.StartsWith("not in the cache (first build", first.Steps[1].CacheMissReason, StringComparison.Ordinal);
        Assert.Equal(new[] { "an earlier step of the stage was rebuilt", "an earlier step of the stage was rebuilt" }, first.Steps.Skip(2).Select(s => s.CacheMissReason));
        var second = Build(dockerfile);
        Assert.All(second.Steps, s => Assert.True(s.Cached, s.Instruction));
        Assert.Equal(first.Image.Manifest.Digest, second.Image.Manifest.Digest);
    }

    [Fact]
    public void ASecondBuildHitsEveryStepAndGivesTheSameImage()
    {
        var first = Build(NodeDockerfile);
        var second = Build(NodeDockerfile);
        Assert.All(second.Steps, s => Assert.True(s.Cached, $"{s.Instruction}: {s.CacheMissReason}"));
        Assert.Equal(first.Image.Manifest.Digest, second.Image.Manifest.Digest);
    }

    [Fact]
    public void TouchingAFileStillHitsButChangingOneByteMissesFromThatCopyOn()
    {
        Build(NodeDockerfile);
        File.SetLastWriteTimeUtc(Path.Combine(_ctx, "src", "index.js"), DateTime.UtcNow.AddDays(1));
        Assert.All(Build(NodeDockerfile).Steps, s => Assert.True(s.Cached, s.Instruction));

        File.WriteAllText(Path.Combine(_ctx, "src", "index.js"), "console.log('hI')");
        var steps = Build(NodeDockerfile).Steps;
        var copyAll = steps.Single(s => s.Instruction == "COPY . .");
        Assert.False(copyAll.Cached);
        Assert.Equal("file changed (content): src/index.js", copyAll.CacheMissReason);
        Assert.True(steps.Single(s => s.Instruction == "COPY package.json .").Cached);
        Assert.True(steps.Single(s => s.Instruction.StartsWith("RUN", StringComparison.Ordinal)).Cached);
        Assert.All(steps.Where(s => s.Line > copyAll.Line), s => Assert.False(s.Cached));
        Assert.Equal("an earlier step of the stage was rebuilt", steps.Single(s => s.Instruction == "USER app").CacheMissReason);
    }

    [Fact]
    public void ChangingABuildArgMissesAtItsFirstUse()
    {
        Build(NodeDockerfile);
        var steps = Build(NodeDockerfile, new Dictionary<string, string> { ["VERSION"] = "2" }).Steps;
        Assert.True(steps.Single(s => s.Instruction == "COPY package.json .").Cached);
        var run = steps.Single(s => s.Instruction.StartsWith("RUN", StringComparison.Ordinal));
        Assert.False(run.Cached);
        Assert.Equal("build arg changed: VERSION", run.CacheMissReason);
        Assert.Equal("v2\n", Read("app:1", "/app/version"));
    }

    [Fact]
    public void NoCacheRunsEverythingAndIdenticalLayersAreStoredOnce()
    {
        Build(NodeDockerfile, epoch: 1_700_000_000);
        var blobs = Directory.GetFiles(_t.Store.BlobsDir).Length;
        var steps = Build(NodeDockerfile, noCache: true, epoch: 1_700_000_000).Steps;
        Assert.All(steps.Where(s => s.Index > 0 && !s.Instruction.StartsWith("ARG", StringComparison.Ordinal)), s => Assert.Equal("no cache (-NoCache)", s.CacheMissReason));
        Assert.Equal(blobs, Directory.GetFiles(_t.Store.BlobsDir).Length);
    }

    [Fact]
    public void TheSameInputsInAnotherFolderGiveTheSameDigestsWithSourceDateEpoch()
    {
        var first = Build(NodeDockerfile, epoch: 1_700_000_000);
        var copy = Path.Combine(_t.Parent, "clone");
        CopyTree(_ctx, copy);
        using var other = new TempStore();
        TestImages.Add(other.Store, "busybox:test", BusyboxBase.Layer());
        File.WriteAllText(Path.Combine(copy, "Dockerfile"), NodeDockerfile);
        var second = new ImageBuilder(other.Store, new BuildOptions { ContextPath = copy, Tags = new[] { "app:1" }, SourceDateEpoch = 1_700_000_000 }).Build();
        Assert.Equal(first.Image.Manifest.Digest, second.Image.Manifest.Digest);

        // and the cache is shared across folders: the clone in the same store hits every step.
        var third = new ImageBuilder(_t.Store, new BuildOptions { ContextPath = copy, Tags = new[] { "app:2" }, SourceDateEpoch = 1_700_000_000 }).Build();
        Assert.All(third.Steps, s => Assert.True(s.Cached, s.Instruction));
    }

    [Fact]
    public void MultiStageCopiesFromAStageAndBuildsOnlyWhatTheTargetNeeds()
    {
        const string dockerfile = """
            FROM busybox:test AS build
            RUN mkdir -p /out && echo built > /out/artifact
            FROM busybox:test AS unused
            RUN exit 1
            FROM scratch
            COPY --from=build /out/artifact /artifact
            COPY --from=0 /etc/passwd /etc/passwd
            """;
        var result = Build(dockerfile);
        Assert.DoesNotContain(result.Steps, s => s.Stage == "unused");
        Assert.Equal("built\n", Read("app:1", "/artifact"));
        Assert.StartsWith("root:x:0:0", Read("app:1", "/etc/passwd"), StringComparison.Ordinal);
        var image = new ImageCatalog(_t.Store).Load(new ImageCatalog(_t.Store).Resolve("app:1"));
        Assert.Equal(2, image.LayerCount);

        var target = Build(dockerfile, target: "build", tags: new[] { "app:build" });
        Assert.All(target.Steps, s => Assert.Equal("build", s.Stage));
    }

    [Fact]
    public void HeredocsChownAndChmodApply()
    {
        const string dockerfile = """
            FROM busybox:test
            COPY --chown=app:staff --chmod=750 <<EOF /opt/run.sh
            #!/bin/sh
            echo hello
            EOF
            RUN <<EOF
            echo one > /one
            echo two > /two
            EOF
            RUN <<SCRIPT
            #!/bin/sh
            echo scripted > /three
            SCRIPT
            """;
        Build(dockerfile);
        var catalog = new ImageCatalog(_t.Store);
        var view = catalog.Union(catalog.Resolve("app:1"));
        var script = view.Get("opt/run.sh")!.Entry;
        Assert.Equal((1000, 50, 0x1E8), (script.Uid, script.Gid, script.Mode));
        Assert.Equal("#!/bin/sh\necho hello\n", Read("app:1", "/opt/run.sh"));
        Assert.Equal("two\n", Read("app:1", "/two"));
        Assert.Equal("scripted\n", Read("app:1", "/three"));
        Assert.Null(view.Get("dev/pipes/SCRIPT"));
    }

    [Fact]
    public void AFailingRunNamesTheLineAndExitCodeTagsNothingAndKeepsEarlierLayersCached()
    {
        const string dockerfile = """
            FROM busybox:test
            COPY package.json /p.json
            RUN echo about to fail && exit 3
            """;
        var before = new ImageCatalog(_t.Store).List().Count;
        var ex = LayerAssert.Throws("RunFailed", () => Build(dockerfile));
        Assert.Contains("Dockerfile:3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("about to fail", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, new ImageCatalog(_t.Store).List().Count);

        var fixedSteps = Build(dockerfile.Replace("exit 3", "true", StringComparison.Ordinal)).Steps;
        Assert.True(fixedSteps.Single(s => s.Instruction == "COPY package.json /p.json").Cached);
    }

    [Fact]
    public void BrokenDockerfilesAndMissingSourcesGetAClearErrorAndLeaveNoImage()
    {
        var ex = LayerAssert.Throws("DockerfileParseError", () => Build("FROM busybox:test\nFROBNICATE x\n"));
        Assert.Contains("Dockerfile:2", ex.Message, StringComparison.Ordinal);
        var missing = LayerAssert.Throws("CopySourceNotFound", () => Build("FROM busybox:test\nCOPY nope.txt /\n"));
        Assert.Contains("Dockerfile:2", missing.Message, StringComparison.Ordinal);
        LayerAssert.Throws("CopySourceNotFound", () => Build("FROM busybox:test\nCOPY secret.env /\n"));
        LayerAssert.Throws("BaseImageNotFound", () => Build("FROM nothere:1\n"));
        Assert.Single(new ImageCatalog(_t.Store).List());
    }

    [Fact]
    public void TheYamlFormBuildsTheSameImageAsTheDockerfile()
    {
        const string dockerfile = """
            FROM busybox:test
            ENV MODE=prod
            WORKDIR /app
            COPY package.json .
            RUN echo $MODE > mode
            CMD ["sh", "-c", "cat mode"]
            """;
        const string yaml = """
            stages:
              - from: busybox:test
                steps:
                  - env: { MODE: prod }
                  - workdir: /app
                  - copy: { src: package.json, dest: . }
                  - run: echo $MODE > mode
                  - cmd: [sh, -c, cat mode]
            """;
        var fromDockerfile = Build(dockerfile, epoch: 1_700_000_000, tags: new[] { "d:1" });
        File.WriteAllText(Path.Combine(_ctx, "build.yaml"), yaml);
        var fromYaml = new ImageBuilder(_t.Store, new BuildOptions { ContextPath = _ctx, File = Path.Combine(_ctx, "build.yaml"), Tags = new[] { "y:1" }, SourceDateEpoch = 1_700_000_000 }).Build();
        var catalog = new ImageCatalog(_t.Store);
        Assert.Equal(catalog.Load(catalog.Resolve("d:1")).Id, catalog.Load(catalog.Resolve("y:1")).Id);

        File.WriteAllText(Path.Combine(_ctx, "bad.yaml"), "stages:\n  - from: busybox:test\n    steps:\n      - frobnicate: x\n");
        var ex = LayerAssert.Throws("DockerfileParseError", () => new ImageBuilder(_t.Store, new BuildOptions { ContextPath = _ctx, File = Path.Combine(_ctx, "bad.yaml") }).Build());
        Assert.Contains("bad.yaml:4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LayerTools.Core.Run.ContainerRuntimeKind.Runc)]
    [InlineData(LayerTools.Core.Run.ContainerRuntimeKind.Unshare)]
    public void RunWithNetworkNoneSeesOnlyLoopback(LayerTools.Core.Run.ContainerRuntimeKind runtime)
    {
        File.WriteAllText(Path.Combine(_ctx, "Dockerfile"), "FROM busybox:test\nRUN --network=none cat /proc/net/dev > /none\nRUN cat /proc/net/dev > /host\n");
        new ImageBuilder(_t.Store, new BuildOptions { ContextPath = _ctx, Tags = new[] { "net:1" }, Runtime = runtime }).Build();
        static string[] Interfaces(string text) => text.Split('\n').Skip(2).Where(l => l.Contains(':')).Select(l => l.Split(':')[0].Trim()).ToArray();
        Assert.Equal(new[] { "lo" }, Interfaces(Read("net:1", "/none")));
        Assert.True(Interfaces(Read("net:1", "/host")).Length > 1, "the default RUN shares the host's network");
    }

    [Fact]
    public void CopyExcludeLeavesOutWhatItMatches()
    {
        Build("FROM busybox:test\nCOPY --exclude=*.json --exclude=src/*.md . /app/\n");
        var catalog = new ImageCatalog(_t.Store);
        var view = catalog.Union(catalog.Resolve("app:1"));
        Assert.Null(view.Get("app/package.json"));
        Assert.NotNull(view.Get("app/src/index.js"));
        var steps = Build("FROM busybox:test\nCOPY --exclude=**/*.js . /app/\n").Steps;
        view = catalog.Union(catalog.Resolve("app:1"));
        Assert.NotNull(view.Get("app/package.json"));
        Assert.Null(view.Get("app/src/index.js"));
        Assert.False(steps.Last().Cached);
    }

    [Fact]
    public void FlagsLayerToolsDoesNotImplementAreRefusedClearly()
    {
        Assert.Contains("Dockerfile:2", LayerAssert.Throws("UnsupportedRunMount", () => Build("FROM busybox:test\nRUN --mount=type=ssh true\n")).Message, StringComparison.Ordinal);
        LayerAssert.Throws("DockerfileParseError", () => Build("FROM busybox:test\nRUN --network=bridge true\n"));
        LayerAssert.Throws("UnsupportedFlag", () => Build("FROM busybox:test\nCOPY --parents src/index.js /x/\n"));
        LayerAssert.Throws("UnsupportedFlag", () => Build("FROM busybox:test\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 package.json /\n"));
    }

    [Fact]
    public void FromPlatformMustMatchTheImageAndSetsScratch()
    {
        var host = LayerTools.Core.Oci.HostPlatform.Architecture;
        var other = host == "amd64" ? "arm64" : "amd64";
        Build($"FROM --platform=linux/{host} busybox:test\nENV A=1\n");
        LayerAssert.Throws("PlatformMismatch", () => Build($"FROM --platform=linux/{other} busybox:test\n"));
        LayerAssert.Throws("InvalidPlatform", () => Build("FROM --platform=linux busybox:test\n"));
        Build($"FROM --platform=linux/{other} scratch\nCOPY package.json /\n", tags: new[] { "cross:1" });
        var image = new ImageCatalog(_t.Store).Load(new ImageCatalog(_t.Store).Resolve("cross:1"));
        Assert.Equal(other, image.Architecture);
    }

    [Fact]
    public void TheUnshareFallbackRunsWithoutTheCapabilitiesThatReachTheHost()
    {
        File.WriteAllText(Path.Combine(_ctx, "Dockerfile"), "FROM busybox:test\nRUN cat /proc/self/status > /status; busybox mknod /tmp/disk b 8 0 2>/dev/null && echo made > /mknod || echo refused > /mknod\n");
        new ImageBuilder(_t.Store, new BuildOptions { ContextPath = _ctx, Tags = new[] { "caps:1" }, Runtime = LayerTools.Core.Run.ContainerRuntimeKind.Unshare }).Build();
        var status = Read("caps:1", "/status");
        var bounding = Convert.ToUInt64(status.Split('\n').Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim(), 16);
        Assert.True((bounding & (1UL << 0)) != 0, "CAP_CHOWN stays, as in Docker");
        Assert.Equal(0UL, bounding & (1UL << 21)); // CAP_SYS_ADMIN
        Assert.Equal(0UL, bounding & (1UL << 2));  // CAP_DAC_READ_SEARCH
        Assert.Equal(0UL, bounding & (1UL << 27)); // CAP_MKNOD
        Assert.Equal("refused\n", Read("caps:1", "/mknod"));
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = file.Replace(from, to, StringComparison.Ordinal);
            File.Copy(file, target);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(5));
        }
    }
}
