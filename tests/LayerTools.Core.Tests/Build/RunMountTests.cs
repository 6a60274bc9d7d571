using System.Text;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Images;
using LayerTools.Core.Run;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Build;

/// <summary>RUN --mount with real builds in runc and in the unshare fallback.</summary>
[Collection(RunnerCollection.Name)]
public sealed class RunMountTests : IDisposable
{
    private readonly TempStore _t = new();
    private readonly string _ctx;
    private readonly string _secret;

    public RunMountTests()
    {
        TestImages.Add(_t.Store, "busybox:test", BusyboxBase.Layer());
        _ctx = Path.Combine(_t.Parent, "ctx");
        Directory.CreateDirectory(Path.Combine(_ctx, "src"));
        File.WriteAllText(Path.Combine(_ctx, "package.json"), "{\"name\":\"app\"}");
        File.WriteAllText(Path.Combine(_ctx, "src", "index.js"), "console.log('hi')");
        _secret = Path.Combine(_t.Parent, "token.txt");
        File.WriteAllText(_secret, "s3cret-value");
    }

    public void Dispose() => _t.Dispose();

    private BuildResult Build(string dockerfile, ContainerRuntimeKind runtime = ContainerRuntimeKind.Auto, bool noCache = false, Dictionary<string, string>? secrets = null, string tag = "m:1")
    {
        File.WriteAllText(Path.Combine(_ctx, "Dockerfile"), dockerfile);
        return new ImageBuilder(_t.Store, new BuildOptions
        {
            ContextPath = _ctx,
            Tags = new[] { tag },
            NoCache = noCache,
            Runtime = runtime,
            Secrets = secrets ?? new Dictionary<string, string>(),
        }).Build();
    }

    private string Read(string path, string reference = "m:1")
    {
        var catalog = new ImageCatalog(_t.Store);
        var view = catalog.Union(catalog.Resolve(reference));
        using var s = LayerContent.Open(_t.Store, view, view.Resolve(path.TrimStart('/')));
        return new StreamReader(s, Encoding.UTF8).ReadToEnd();
    }

    /// <summary>The paths in the layer the last step made.</summary>
    private List<string> LastLayer(BuildResult result) =>
        _t.Store.ReadLayerIndex(result.Steps.Last(s => s.LayerDiffId is not null).LayerDiffId!).Entries.Select(e => e.Path).ToList();

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ACacheMountPersistsBetweenBuildsAndStaysOutOfTheLayer(ContainerRuntimeKind runtime)
    {
        const string df = "FROM busybox:test\nRUN --mount=type=cache,target=/var/cache/tool,id=counter,sharing=locked echo x >> /var/cache/tool/count && wc -l < /var/cache/tool/count | tr -d ' ' > /seen\n";
        var first = Build(df, runtime, noCache: true);
        Assert.Equal("1\n", Read("/seen"));
        Assert.Equal(new[] { "seen" }, LastLayer(first));
        var second = Build(df, runtime, noCache: true);
        Assert.Equal("2\n", Read("/seen"));
        Assert.Equal(new[] { "seen" }, LastLayer(second));

        // Not part of the key: with the cache on, the same step hits although the cache folder changed.
        Build(df, runtime);
        Assert.True(Build(df, runtime).Steps.Last().Cached);
    }

    [Fact]
    public void ACacheMountIsMadeWithItsOwnerAndModeAndSharedByIdAcrossSteps()
    {
        Build("FROM busybox:test\nRUN --mount=type=cache,target=/c,id=shared,uid=1000,gid=1000,mode=0750 stat -c '%u %g %a' /c > /o && echo hello > /c/f\nUSER app\nRUN --mount=type=cache,target=/other,id=shared cat /other/f > /tmp/seen\n");
        Assert.Equal("1000 1000 750\n", Read("/o"));
        Assert.Equal("hello\n", Read("/tmp/seen"));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ABindMountOfAContextFileIsReadableAndKeyedByItsContent(ContainerRuntimeKind runtime)
    {
        const string df = "FROM busybox:test\nRUN --mount=type=bind,source=package.json,target=/mnt/p.json cat /mnt/p.json > /copy && ! echo no > /mnt/p.json\n";
        var first = Build(df, runtime);
        Assert.Equal("{\"name\":\"app\"}", Read("/copy"));
        Assert.Equal(new[] { "copy" }, LastLayer(first));
        Assert.True(Build(df, runtime).Steps.Last().Cached);

        File.WriteAllText(Path.Combine(_ctx, "package.json"), "{\"name\":\"changed\"}");
        File.SetLastWriteTimeUtc(Path.Combine(_ctx, "package.json"), DateTime.UtcNow.AddMinutes(5));
        var third = Build(df, runtime);
        Assert.False(third.Steps.Last().Cached);
        Assert.Equal("{\"name\":\"changed\"}", Read("/copy"));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void WritesToAReadWriteBindAreDiscarded(ContainerRuntimeKind runtime)
    {
        var result = Build("FROM busybox:test\nWORKDIR /app\nRUN --mount=type=bind,source=src,target=src,rw echo changed > src/index.js && echo new > src/new.js && cat src/index.js > /out\n", runtime);
        Assert.Equal("changed\n", Read("/out"));
        Assert.Equal("console.log('hi')", File.ReadAllText(Path.Combine(_ctx, "src", "index.js")));
        Assert.False(File.Exists(Path.Combine(_ctx, "src", "new.js")));
        Assert.Equal(new[] { "out" }, LastLayer(result));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void AMountInsideABoundFolderWorks(ContainerRuntimeKind runtime)
    {
        var result = Build("FROM busybox:test\nRUN --mount=type=bind,source=src,target=/app/src --mount=type=tmpfs,target=/app/src/tmp --mount=type=cache,target=/app/src/cache/deep cat /app/src/index.js > /out && echo x > /app/src/tmp/f && echo y > /app/src/cache/deep/g\n", runtime);
        Assert.Equal("console.log('hi')", Read("/out"));
        Assert.Equal(new[] { "out" }, LastLayer(result));
        Assert.False(Directory.Exists(Path.Combine(_ctx, "src", "tmp")));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void AMountTargetThroughALinkStaysInsideTheRoot(ContainerRuntimeKind runtime)
    {
        var outside = "lt-escape-" + Guid.NewGuid().ToString("N")[..8];
        var result = Build($"FROM busybox:test\nRUN mkdir /opt && ln -s ../../../../../../../tmp /esc && ln -s /opt /lnk\nRUN --mount=type=tmpfs,target=/esc/{outside} --mount=type=tmpfs,target=/lnk/t grep -c ' /tmp/{outside} tmpfs' /proc/mounts > /a && grep -c ' /opt/t tmpfs' /proc/mounts > /b\n", runtime);
        Assert.Equal("1\n", Read("/a"));
        Assert.Equal("1\n", Read("/b"));
        Assert.False(Directory.Exists(Path.Combine("/tmp", outside)), "a link in the image must never lead a mount point out of the root");
        Assert.Equal(new[] { "a", "b" }, LastLayer(result).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void WithoutOverlayfsMountsStayOutOfTheLayerToo(ContainerRuntimeKind runtime)
    {
        LayerTools.Core.Snapshots.OverlayMount.SupportedOverride = false;
        try
        {
            var result = Build("FROM busybox:test\nRUN --mount=type=bind,source=src,target=/s --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --mount=type=secret,id=token cat /s/index.js /run/secrets/token > /dev/null && echo x > /c/f && echo y > /t/f && echo done > /out\n", runtime, secrets: new Dictionary<string, string> { ["token"] = _secret });
            Assert.Equal("done\n", Read("/out"));
            Assert.Equal(new[] { "out" }, LastLayer(result));
        }
        finally
        {
            LayerTools.Core.Snapshots.OverlayMount.SupportedOverride = null;
        }
    }

    [Fact]
    public void ABindMountFromAStageSeesItsFiles()
    {
        var result = Build("FROM busybox:test AS builder\nRUN mkdir /out && echo built > /out/artifact\nFROM busybox:test\nRUN --mount=type=bind,from=builder,source=/out,target=/in cat /in/artifact > /got\n");
        Assert.Equal("built\n", Read("/got"));
        Assert.Equal(new[] { "got" }, LastLayer(result));
        Assert.True(Build("FROM busybox:test AS builder\nRUN mkdir /out && echo built > /out/artifact\nFROM busybox:test\nRUN --mount=type=bind,from=builder,source=/out,target=/in cat /in/artifact > /got\n").Steps.Last().Cached);

        // A changed stage is another ChainID: the step runs again and sees the new file.
        var changed = Build("FROM busybox:test AS builder\nRUN mkdir /out && echo rebuilt > /out/artifact\nFROM busybox:test\nRUN --mount=type=bind,from=builder,source=/out,target=/in cat /in/artifact > /got\n");
        Assert.False(changed.Steps.Last().Cached);
        Assert.Equal("rebuilt\n", Read("/got"));

        // An image from the store works the same way.
        Build("FROM scratch\nCOPY package.json /\n", tag: "files:1");
        Build("FROM busybox:test\nRUN --mount=from=files:1,source=package.json,target=/p.json cat /p.json > /got\n");
        Assert.Equal("{\"name\":\"app\"}", Read("/got"));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ATmpfsMountIsEmptyAndStaysOutOfTheLayer(ContainerRuntimeKind runtime)
    {
        var result = Build("FROM busybox:test\nRUN --mount=type=tmpfs,target=/scratch/tmp,size=1m ls -A /scratch/tmp | wc -l | tr -d ' ' > /count && echo x > /scratch/tmp/f && grep -c ' /scratch/tmp tmpfs' /proc/mounts > /mounted\n", runtime);
        Assert.Equal("0\n", Read("/count"));
        Assert.Equal("1\n", Read("/mounted"));
        Assert.Equal(new[] { "count", "mounted" }, LastLayer(result).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(ContainerRuntimeKind.Runc)]
    [InlineData(ContainerRuntimeKind.Unshare)]
    public void ASecretIsReadableButNeitherInTheLayerNorTheKey(ContainerRuntimeKind runtime)
    {
        const string df = "FROM busybox:test\nRUN --mount=type=secret,id=token test \"$(wc -c < /run/secrets/token)\" -eq 12 && stat -c %a /run/secrets/token > /mode\nRUN --mount=type=secret,id=token,env=TOKEN,required test ${#TOKEN} -eq 12\n";
        var secrets = new Dictionary<string, string> { ["token"] = _secret };
        var result = Build(df, runtime, secrets: secrets);
        Assert.Equal("400\n", Read("/mode"));
        var layer = _t.Store.ReadLayerIndex(result.Steps[1].LayerDiffId!);
        Assert.Equal(new[] { "mode" }, layer.Entries.Select(e => e.Path));
        var catalog = new ImageCatalog(_t.Store);
        Assert.DoesNotContain(catalog.History(catalog.Resolve("m:1")), h => (h.CreatedBy ?? string.Empty).Contains("s3cret", StringComparison.Ordinal));

        // A changed value (which the commands above would reject) leaves the key as it was.
        File.WriteAllText(_secret, "another-value");
        Assert.All(Build(df, runtime, secrets: secrets).Steps.Skip(1), s => Assert.True(s.Cached));
    }

    [Fact]
    public void AMissingRequiredSecretIsAnErrorNamingTheLine()
    {
        var ex = LayerAssert.Throws("SecretNotFound", () => Build("FROM busybox:test\nENV A=1\nRUN --mount=type=secret,id=npmrc,required=true cat /run/secrets/npmrc\n"));
        Assert.Contains("Dockerfile:3", ex.Message, StringComparison.Ordinal);

        // An optional secret that was not given is simply absent.
        Build("FROM busybox:test\nRUN --mount=type=secret,id=npmrc test ! -e /run/secrets/npmrc && touch /ok\n");
        Assert.Equal(string.Empty, Read("/ok"));
    }

    [Fact]
    public void SshMountsAndBadSpecsAreRefusedWithTheLine()
    {
        Assert.Contains("Dockerfile:2", LayerAssert.Throws("UnsupportedRunMount", () => Build("FROM busybox:test\nRUN --mount=type=ssh ssh-add -l\n")).Message, StringComparison.Ordinal);
        Assert.Contains("Dockerfile:3", LayerAssert.Throws("InvalidRunMount", () => Build("FROM busybox:test\nENV A=1\nRUN --mount=type=cache,taget=/x true\n")).Message, StringComparison.Ordinal);
        Assert.Contains("Dockerfile:2", LayerAssert.Throws("MountSourceNotFound", () => Build("FROM busybox:test\nRUN --mount=source=missing.txt,target=/m true\n")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MountValuesAreExpandedWithTheVariablesInScope()
    {
        Build("FROM busybox:test\nARG SRC=package.json\nENV DIR=/mnt\nRUN --mount=type=bind,source=$SRC,target=${DIR}/p cat /mnt/p > /copy\n");
        Assert.Equal("{\"name\":\"app\"}", Read("/copy"));
    }

    [Theory]
    [InlineData("type=cache,target=/c,sharing=locked,id=x,mode=0700,uid=10,gid=20", "Cache", "/c", false)]
    [InlineData("target=/src", "Bind", "/src", true)]
    [InlineData("type=bind,dst=/src,rw", "Bind", "/src", false)]
    [InlineData("type=tmpfs,destination=/t,size=64m", "Tmpfs", "/t", false)]
    [InlineData("type=secret,id=aws,required", "Secret", null, true)]
    [InlineData("\"type=bind\",\"target=/a,b\"", "Bind", "/a,b", true)]
    public void SpecsParseAsBuildKitDoes(string spec, string type, string? target, bool readOnly)
    {
        var mount = RunMount.Parse(spec, v => v, "Dockerfile:1");
        Assert.Equal(type, mount.Type.ToString());
        Assert.Equal(target, mount.Target);
        Assert.Equal(readOnly, mount.ReadOnly);
    }

    [Theory]
    [InlineData("type=nfs,target=/x")]
    [InlineData("type=cache")]
    [InlineData("type=bind,target=/x,mode=0700")]
    [InlineData("type=cache,target=/x,sharing=sometimes")]
    [InlineData("type=tmpfs,target=/x,size=lots")]
    [InlineData("type=bind,target=/x,required")]
    [InlineData("type=cache,target=/x,mode=999")]
    [InlineData("type=secret,id=a,source=b")]
    [InlineData("target=/x,ro=maybe")]
    [InlineData("target=/x,novalue")]
    public void BadSpecsAreErrorsNamingTheLine(string spec)
    {
        var ex = LayerAssert.Throws("InvalidRunMount", () => RunMount.Parse(spec, v => v, "Dockerfile:7"));
        Assert.StartsWith("Dockerfile:7: --mount=", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecretIdDefaultsToTheTargetsName()
    {
        var mount = RunMount.Parse("type=secret,target=/root/.npmrc,mode=0440,uid=1", v => v, "Dockerfile:1");
        Assert.Equal(".npmrc", mount.Id);
        Assert.Equal(0x120, mount.Mode);
        Assert.Equal(1, mount.Uid);
    }
}
