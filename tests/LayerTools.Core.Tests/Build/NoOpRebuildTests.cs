using LayerTools.Core.Build.Steps;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Build;

/// <summary>A rebuild of an unchanged project takes every step from the cache and leaves the store's files as they were.</summary>
[Collection(RunnerCollection.Name)]
public sealed class NoOpRebuildTests : IDisposable
{
    private const string Dockerfile = """
        FROM busybox:test
        WORKDIR /app
        COPY package.json .
        RUN echo built > /app/built
        COPY . .
        CMD ["sh"]
        """;

    private readonly TempStore _t = new();
    private readonly string _ctx;

    public NoOpRebuildTests()
    {
        TestImages.Add(_t.Store, "busybox:test", BusyboxBase.Layer());
        _ctx = Path.Combine(_t.Parent, "ctx");
        for (var d = 0; d < 3; d++)
        {
            Directory.CreateDirectory(Path.Combine(_ctx, "src", "d" + d));
            for (var f = 0; f < 40; f++)
            {
                File.WriteAllText(Path.Combine(_ctx, "src", "d" + d, $"f{f}.js"), $"module.exports = {d * 100 + f};");
            }
        }

        File.WriteAllText(Path.Combine(_ctx, "package.json"), "{\"name\":\"app\"}");
        File.WriteAllText(Path.Combine(_ctx, "Dockerfile"), Dockerfile);
    }

    public void Dispose() => _t.Dispose();

    [Fact]
    public void ANoOpRebuildWritesNoFileInTheStore()
    {
        var first = Build();
        var before = StoreFiles();
        var second = Build();
        Assert.All(second.Steps, s => Assert.True(s.Cached, $"{s.Instruction}: {s.CacheMissReason}"));
        Assert.Equal(first.Image.Manifest.Digest, second.Image.Manifest.Digest);

        // Every file the store held is the same file (inode), unmodified (mtime, size), and none was added.
        Assert.Equal(before, StoreFiles());
    }

    [Fact]
    public void AFileHashCacheThatDoesNotParseIsReadAsEmptyAndTheRebuildStillHits()
    {
        var first = Build();
        var cache = Assert.Single(Directory.GetFiles(Path.Combine(_t.Store.DataDir, "cache", "files")));
        Assert.EndsWith(".bin", cache, StringComparison.Ordinal);
        var bytes = File.ReadAllBytes(cache);
        foreach (var broken in new[] { bytes[..^7], bytes[..20], new byte[] { 1, 2, 3 }, [.. bytes, 0] })
        {
            File.WriteAllBytes(cache, broken);
            var again = Build();
            Assert.All(again.Steps, s => Assert.True(s.Cached, $"{s.Instruction}: {s.CacheMissReason}"));
            Assert.Equal(first.Image.Manifest.Digest, again.Image.Manifest.Digest);

            // The files were hashed again and the cache written whole once more.
            Assert.Equal(bytes.Length, new FileInfo(cache).Length);
        }
    }

    [Fact]
    public void AFileChangedAfterItsDigestWasRememberedMissesEvenWithTheSameSize()
    {
        Build();
        var file = Path.Combine(_ctx, "src", "d1", "f7.js");
        var text = File.ReadAllText(file);
        File.WriteAllText(file, text.Replace('7', '8'));
        var steps = Build().Steps;
        var copyAll = steps.Single(s => s.Instruction == "COPY . .");
        Assert.False(copyAll.Cached);
        Assert.Equal("file changed (content): src/d1/f7.js", copyAll.CacheMissReason);

        // Back to the first content: the first layer again, from the cache.
        File.WriteAllText(file, text);
        Assert.All(Build().Steps, s => Assert.True(s.Cached, $"{s.Instruction}: {s.CacheMissReason}"));
    }

    private BuildResult Build() => new ImageBuilder(_t.Store, new BuildOptions
    {
        ContextPath = _ctx,
        Tags = new[] { "app:1" },
        BuildArgs = new Dictionary<string, string>(),
    }).Build();

    private SortedDictionary<string, string> StoreFiles()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(_t.Root, "*", SearchOption.AllDirectories))
        {
            var stat = LayerTools.Core.HostFs.LinuxNative.Stat(LayerTools.Core.HostFs.LinuxNative.AtFdCwd, path, LayerTools.Core.HostFs.LinuxNative.AtSymlinkNoFollow, out _)
                ?? throw new InvalidOperationException(path);
            files[path] = $"{stat.Inode} {stat.MtimeSeconds}.{stat.MtimeNanoseconds} {stat.Size}";
        }

        return files;
    }
}
