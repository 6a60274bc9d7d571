using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Build;

/// <summary>The log of a step's inputs that explains a miss: written and read as a stream, older forms still read.</summary>
public sealed class StepInputLogTests : IDisposable
{
    private readonly TempStore _t = new();

    public void Dispose() => _t.Dispose();

    private static CacheKey Key(string content, string arg) =>
        new CacheKey("COPY", "sha256:parent").Add("file:app/ü.js", content, label: "src/ü.js").Add("arg:X", arg).Add("exclude", "a").Add("exclude", null);

    private string LogPath(string step) => Path.Combine(_t.Store.DataDir, "cache", "inputs", Digest.Hex(Digest.Of(step)) + ".json");

    [Fact]
    public void WhatChangedSinceTheRecordedStepIsNamedByItsLabel()
    {
        var log = new StepInputLog(_t.Store);
        Assert.Equal("not in the cache (first build of this step)", log.Explain("step", Key("v1", "1")));
        log.Record("step", Key("v1", "1"));
        Assert.Equal("file changed (content): src/ü.js", log.Explain("step", Key("v2", "1")));
        Assert.Equal("build arg changed: X", log.Explain("step", Key("v1", "2")));
        Assert.Equal("not in the cache (its layer was removed)", log.Explain("step", Key("v1", "1")));
    }

    [Fact]
    public void ABareMapFromBeforeLabelsIsReadAndAnUnreadableLogIsAFirstBuild()
    {
        var log = new StepInputLog(_t.Store);
        log.Record("step", Key("v1", "1"));
        File.WriteAllText(LogPath("step"), "{\"v\":\"1\",\"kind\":\"COPY\",\"parent\":\"sha256:parent\",\"exclude\":\"a\\n\",\"file:app/\\u00fc.js\":\"v1\",\"arg:X\":\"1\",\"nested\":{\"a\":\"b\"},\"none\":null}");
        Assert.Equal("file changed (content): src/ü.js", log.Explain("step", Key("v2", "1")));

        foreach (var broken in new[] { "{\"inputs\": {\"arg:X\": 1}}", "{\"inputs\": {", "[1]", string.Empty })
        {
            File.WriteAllText(LogPath("step"), broken);
            Assert.Equal("not in the cache (first build of this step)", log.Explain("step", Key("v2", "1")));
        }
    }

    [Fact]
    public void ManyFilesAreComparedAndTheFirstThreeChangesNamedInOrderAddedAndChangedThenRemoved()
    {
        static KeyInput File(int i, string mode = "420", string digest = "aa") => new("file:app/f" + i, $"File\u001f{mode}\u001f0\u001f0\u001f10\u001f\u001fsha256:{digest}", "src/f" + i);
        var before = Enumerable.Range(0, 10).Select(i => File(i)).ToList();
        var now = Enumerable.Range(0, 10).Where(i => i != 5).Select(i => i == 3 ? File(3, digest: "bb") : i == 7 ? File(7, mode: "493") : File(i)).Append(File(11)).ToList();
        var log = new StepInputLog(_t.Store);
        log.Record("step", new CacheKey("COPY", "p").AddMany(() => before).Add("exclude", "a").Add("exclude", "b"));
        Assert.Equal("not in the cache (its layer was removed)", log.Explain("step", new CacheKey("COPY", "p").AddMany(() => before).Add("exclude", "a").Add("exclude", "b")));
        Assert.Equal(
            "file changed (content): src/f3; file changed (mode): src/f7; file added: src/f11; and 1 more",
            log.Explain("step", new CacheKey("COPY", "p").AddMany(() => now).Add("exclude", "a").Add("exclude", "b")));
        Assert.Equal("file removed: src/f5", log.Explain("step", new CacheKey("COPY", "p").AddMany(() => before.Where(f => f.Name != "file:app/f5").ToList()).Add("exclude", "a").Add("exclude", "b")));
        Assert.Equal("exclude changed", log.Explain("step", new CacheKey("COPY", "p").AddMany(() => before).Add("exclude", "a").Add("exclude", "c")));
    }

    [Fact]
    public void ALogLargerThanTheReadBufferAndAValueLargerThanItAreReadWhole()
    {
        // The log is read 64 KB at a time: tokens straddle the buffer's end, and one value is larger than it.
        var files = Enumerable.Range(0, 3000).Select(i => new KeyInput("file:app/f" + i, "File\u001f420\u001f0\u001f0\u001f10\u001f\u001fsha256:" + new string('a', 64), "src/f" + i)).ToList();
        var huge = new string('ß', 100_000);
        CacheKey Key(string last, string big) => new CacheKey("COPY", "p").AddMany(() => files.Take(2999).Append(files[2999] with { Value = last })).Add("big", big);
        var log = new StepInputLog(_t.Store);
        log.Record("step", Key(files[2999].Value!, huge));
        Assert.True(new FileInfo(LogPath("step")).Length > 300_000);
        Assert.Equal("not in the cache (its layer was removed)", log.Explain("step", Key(files[2999].Value!, huge)));
        Assert.Equal("file changed (mode): src/f2999", log.Explain("step", Key(files[2999].Value!.Replace("420", "493", StringComparison.Ordinal), huge)));
        Assert.Equal("big changed", log.Explain("step", Key(files[2999].Value!, huge + "x")));
    }
}
