using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Build.Copy;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Build;

public sealed class CopyPlanTests : IDisposable
{
    private readonly TempStore _t = new();
    private readonly string _context;

    public CopyPlanTests()
    {
        _context = Path.Combine(_t.Parent, "ctx");
        Directory.CreateDirectory(Path.Combine(_context, "src", "lib"));
        File.WriteAllText(Path.Combine(_context, "package.json"), "{}");
        File.WriteAllText(Path.Combine(_context, "src", "index.js"), "main");
        File.WriteAllText(Path.Combine(_context, "src", "lib", "util.js"), "util");
        File.CreateSymbolicLink(Path.Combine(_context, "src", "link.js"), "index.js");
    }

    public void Dispose() => _t.Dispose();

    private ContextCopySource Source()
    {
        var context = BuildContext.Scan(_context);
        return new(context, FileHashCache.Load(_t.Store, context));
    }

    private static UnionView Below() => UnionView.Build(new[] { LayerAssert.Index(new TarBuilder().Dir("app", mode: 0x1C0, uid: 5).ToArray()) });

    /// <summary>The key of COPY . /app/ from <paramref name="source"/>; its hash cache saved after.</summary>
    private static string KeyOf(ContextCopySource source)
    {
        var key = new CacheKey("copy", "parent");
        CopyPlan.Create(new CopyRequest { Sources = new[] { "." }, Destination = "/app/" }, source, Below(), null, false).AddToKey(key, source);
        source.Save();
        return key.Digest;
    }

    private static string[] Paths(CopyPlan plan) => plan.Entries.Select(e => e.Type == EntryType.Directory ? e.Path + "/" : e.Path).ToArray();

    [Fact]
    public void AFileIntoAnExistingDirectoryCarriesTheDirectoryAsItIsBelow()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "package.json" }, Destination = ".", WorkingDir = "/app" }, Source(), Below(), null, false);
        Assert.Equal(new[] { "app/", "app/package.json" }, Paths(plan));
        Assert.Equal(0x1C0, plan.Entries[0].Mode);
        Assert.Equal(5, plan.Entries[0].Uid);
        Assert.Null(plan.Entries[0].Source);
    }

    [Fact]
    public void ADirectorySourceCopiesItsContentsAndKeepsLinksAsLinks()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "src" }, Destination = "/opt/code/" }, Source(), Below(), 1_000, false);
        Assert.Equal(new[] { "opt/", "opt/code/", "opt/code/index.js", "opt/code/lib/", "opt/code/lib/util.js", "opt/code/link.js" }, Paths(plan));
        Assert.Equal(1_000, plan.Entries[0].ModifiedTime);
        Assert.Equal("index.js", plan.Entries.Single(e => e.Path == "opt/code/link.js").LinkTarget);
    }

    [Fact]
    public void DotCopiesTheWholeContextAndChownAndChmodApply()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "." }, Destination = ".", WorkingDir = "/app", Owner = (1000, 1000), Mode = 0x1E4 }, Source(), Below(), null, false);
        Assert.Contains("app/src/lib/util.js", Paths(plan));
        var util = plan.Entries.Single(e => e.Path == "app/src/lib/util.js");
        Assert.Equal((1000, 1000, 0x1E4), (util.Uid, util.Gid, util.Mode));
    }

    [Fact]
    public void WildcardsAndSeveralSourcesNeedADirectoryDestination()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "src/*.js" }, Destination = "/js/" }, Source(), Below(), null, false);
        Assert.Equal(new[] { "js/", "js/index.js", "js/link.js" }, Paths(plan));
        LayerAssert.Throws("CopyDestinationNotDirectory", () => CopyPlan.Create(new CopyRequest { Sources = new[] { "package.json", "src/index.js" }, Destination = "/x" }, Source(), Below(), null, false));
        LayerAssert.Throws("CopySourceNotFound", () => CopyPlan.Create(new CopyRequest { Sources = new[] { "nope.txt" }, Destination = "/x", Where = "Dockerfile:3" }, Source(), Below(), null, false));
    }

    [Fact]
    public void AFileToAPathWithoutSlashIsRenamed()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "package.json" }, Destination = "/etc/app.json" }, Source(), Below(), null, false);
        Assert.Equal(new[] { "etc/", "etc/app.json" }, Paths(plan));
    }

    [Fact]
    public void TheKeyHoldsContentNotMtimeAndAKnownFileIsNotReadAgain()
    {
        var first = Source();
        var k1 = KeyOf(first);
        Assert.Equal(3, first.FilesRead);

        var second = Source();
        Assert.Equal(k1, KeyOf(second));
        Assert.Equal(0, second.FilesRead);

        File.SetLastWriteTimeUtc(Path.Combine(_context, "package.json"), DateTime.UtcNow.AddHours(1));
        var touched = Source();
        Assert.Equal(k1, KeyOf(touched));
        Assert.Equal(1, touched.FilesRead);

        File.WriteAllText(Path.Combine(_context, "src", "index.js"), "mainX");
        Assert.NotEqual(k1, KeyOf(Source()));
    }

    [Fact]
    public void EntriesFromSourcesOutOfOrderAndParentsFoundLastAreInPathOrder()
    {
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "src/lib", "package.json", "src/index.js", "src" }, Destination = "/opt/x/" }, Source(), Below(), null, false);
        var paths = plan.Entries.Select(e => e.Path).ToArray();
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
        Assert.Equal(new[] { "opt/", "opt/x/", "opt/x/index.js", "opt/x/lib/", "opt/x/lib/util.js", "opt/x/link.js", "opt/x/package.json", "opt/x/util.js" }, Paths(plan));
    }

    [Fact]
    public void TheKeyHashedWithoutStringsIsTheKeyOfItsInputsAddedOneByOne()
    {
        // A long name and link target: the buffers the fields are written into grow.
        var deep = Path.Combine(_context, "src", new string('d', 200));
        Directory.CreateDirectory(deep);
        File.WriteAllText(Path.Combine(deep, "é" + new string('f', 200) + ".js"), "x");
        File.CreateSymbolicLink(Path.Combine(_context, "src", "far.js"), new string('t', 400));
        var source = Source();
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "." }, Destination = "/app/", Owner = (1000, 1000) }, source, Below(), null, false);
        var key = new CacheKey("copy", "p").Add("exclude", "a");
        plan.AddToKey(key, source);
        key.Add("destination", "/app/");

        var one = new CacheKey("copy", "p");
        foreach (var input in key.Inputs.Skip(3))
        {
            one.Add(input.Name, input.Value, input.Label);
        }

        Assert.Contains(key.Inputs, i => i.Name == "file:app/src/far.js" && i.Value!.Contains(new string('t', 400), StringComparison.Ordinal));
        Assert.Equal(one.Digest, key.Digest);
    }

    [Fact]
    public void WritingTheLayerReadsEachFileOnceAndRemembersItsDigest()
    {
        var source = Source();
        var plan = CopyPlan.Create(new CopyRequest { Sources = new[] { "src" }, Destination = "/app/" }, source, Below(), 0, false);
        using var staging = _t.Store.BeginStaging();
        var index = staging.AddLayer(w => plan.Write(w, source));
        Assert.Equal(2, source.FilesRead);
        Assert.Equal(new[] { "app", "app/index.js", "app/lib", "app/lib/util.js", "app/link.js" }, index.Entries.Select(e => e.Path));
        var key = new CacheKey("copy", "p");
        plan.AddToKey(key, source);
        Assert.Equal(2, source.FilesRead);
    }

    [Fact]
    public void AHashCacheLargerThanItsReadBufferGivesEveryDigestBack()
    {
        // 1,500 records of ~100 bytes: the cache file is read 64 KB at a time, records straddling the buffer's end.
        for (var i = 0; i < 1500; i++)
        {
            var dir = Path.Combine(_context, "many", "d" + (i % 30));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, $"a-rather-long-file-name-{i}.js"), "x" + i);
        }

        var request = new CopyRequest { Sources = new[] { "." }, Destination = "/app/" };
        var first = Source();
        var key = new CacheKey("copy", "parent");
        CopyPlan.Create(request, first, Below(), null, false).AddToKey(key, first);
        first.Save();
        Assert.True(new FileInfo(Assert.Single(Directory.GetFiles(Path.Combine(_t.Store.DataDir, "cache", "files")))).Length > 100_000);

        var second = Source();
        var again = new CacheKey("copy", "parent");
        CopyPlan.Create(request, second, Below(), null, false).AddToKey(again, second);
        Assert.Equal(key.Digest, again.Digest);
        Assert.Equal(0, second.FilesRead);
    }

    [Fact]
    public void AHashCacheInAnotherOrderThanTheScanStillGivesEveryDigest()
    {
        // The records are matched with the scan's files in order, and looked up by name when they are not in it.
        var first = Source();
        var k1 = KeyOf(first);
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_t.Store.DataDir, "cache", "files")));
        var bytes = File.ReadAllBytes(file);
        var records = new List<byte[]>();
        for (var at = 12; at < bytes.Length;)
        {
            var n = BitConverter.ToInt32(bytes, at);
            records.Add(bytes[at..(at + 4 + n + 48)]);
            at += 4 + n + 48;
        }

        Assert.Equal(3, records.Count);
        records.Reverse();
        File.WriteAllBytes(file, bytes[..12].Concat(records.SelectMany(r => r)).ToArray());

        var second = Source();
        Assert.Equal(k1, KeyOf(second));
        Assert.Equal(0, second.FilesRead);
    }
}
