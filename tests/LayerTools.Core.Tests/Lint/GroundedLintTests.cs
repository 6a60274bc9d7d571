using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;
using LayerTools.Core.Lint;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Lint;

/// <summary>Findings grounded in an image that LayerTools' own builder makes from the Dockerfile checked (RUN really runs).</summary>
[Collection(RunnerCollection.Name)]
public sealed class GroundedLintTests : IDisposable
{
    private const int OneMiB = 1024 * 1024;
    private readonly TempStore _t = new();
    private readonly string _ctx;

    public GroundedLintTests()
    {
        TestImages.Add(_t.Store, "busybox:test", BusyboxBase.Layer());
        _ctx = Path.Combine(_t.Parent, "ctx");
        Directory.CreateDirectory(_ctx);
        File.WriteAllText(Path.Combine(_ctx, "app.txt"), "hello");
    }

    public void Dispose() => _t.Dispose();

    [Fact]
    public void PackageListsAndDeletedFilesAreReportedWithTheirLayerLineAndSize()
    {
        // Line 3 fakes an apt-get run (an apt-get script in the image) that leaves 1 MiB of package lists;
        // line 5 writes 2 MiB that line 6 deletes.
        var dockerfile = Path.Combine(_ctx, "Dockerfile");
        File.WriteAllText(dockerfile, """
            FROM busybox:test
            COPY app.txt /app/
            RUN mkdir -p /var/lib/apt/lists /usr/bin && busybox dd if=/dev/zero of=/var/lib/apt/lists/main_Packages bs=1024 count=1024 && printf '#!/bin/sh\ntrue\n' > /usr/bin/apt-get && chmod 755 /usr/bin/apt-get && apt-get update && apt-get install -y nothing
            WORKDIR /work
            RUN busybox dd if=/dev/zero of=/work/big.bin bs=1024 count=2048
            RUN rm /work/big.bin
            """);
        var built = new ImageBuilder(_t.Store, new BuildOptions { ContextPath = _ctx, Tags = new[] { "lint:1" } }).Build();
        var catalog = new ImageCatalog(_t.Store);
        var layers = catalog.Layers(built.Image);

        var findings = DockerfileLinter.CheckFile(dockerfile, new LintOptions { Store = _t.Store, Image = built.Image }, "Dockerfile");

        var lists = Assert.Single(findings, f => f.RuleId == "LT002");
        Assert.Equal(3, lists.Line);
        Assert.Equal(2, lists.Layer);
        Assert.Equal(layers[2].DiffId, lists.DiffId);
        Assert.Equal(OneMiB, lists.Bytes);
        Assert.StartsWith("/var/lib/apt/lists holds 1.05 MB in layer 2, from line 3", lists.Message, StringComparison.Ordinal);
        Assert.Equal("lint:1", lists.Image);

        var waste = Assert.Single(findings, f => f.RuleId == "LT014");
        Assert.Equal(5, waste.Line);
        Assert.Equal(4, waste.Layer); // WORKDIR /work made layer 3, as BuildKit does for a new folder
        Assert.Equal(2 * OneMiB, waste.Bytes);
        Assert.Contains("/work/big.bin: 2.1 MB added in layer 4, from line 5; line 6 (layer 5) deletes them", waste.Message, StringComparison.Ordinal);

        // Every finding about a layer-making instruction names its layer; the consecutive RUN on line 6 is layer 5.
        var consecutive = Assert.Single(findings, f => f.RuleId == "LT006");
        Assert.Equal((6, 5), (consecutive.Line, consecutive.Layer!.Value));
        Assert.Null(consecutive.Bytes);

        // The same file without the image: the same rules, nothing grounded, no image-only rule.
        var plain = DockerfileLinter.CheckFile(dockerfile, new LintOptions(), "Dockerfile");
        Assert.All(plain, f => Assert.Null(f.Layer));
        Assert.DoesNotContain(plain, f => f.RuleId == "LT014");
        Assert.Contains(plain, f => f.RuleId == "LT002" && f.Line == 3);
    }
}
