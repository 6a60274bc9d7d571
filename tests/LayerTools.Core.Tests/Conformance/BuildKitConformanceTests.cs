using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>
/// The differential suite: each case of tests/conformance is built by Docker's BuildKit (the private
/// dockerd) and by LayerTools from the same context and base; the images must agree in root file
/// system, config, history and layer count. A case of syntax Docker 20.10 lacks checks its stated tree.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class BuildKitConformanceTests
{
    private readonly BuildKitFixture _f;

    public BuildKitConformanceTests(BuildKitFixture f) => _f = f;

    public static TheoryData<string> Cases => ConformanceCase.Names();

    [Fact]
    public void Corpus_HoldsAtLeastFortyCases() => Assert.True(Cases.Count >= 40, $"{Cases.Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_BuildsTheImageBuildKitBuilds(string name)
    {
        var c = ConformanceCase.Load(name);
        var context = Path.Combine(_f.Temp.Parent, "ctx-" + name);
        c.PrepareContext(context);
        if (c.BaseDockerfile is { } baseDockerfile)
        {
            _f.Docker.Run(["build", "--network=host", "-q", "-t", c.BaseTag, "-f", baseDockerfile, context], out _);
            _f.SaveAndImport(c.BaseTag, c.BaseTag);
        }

        var built = new ImageBuilder(_f.Temp.Store, new BuildOptions
        {
            ContextPath = context,
            File = Path.Combine(context, c.File),
            Tags = ["layertools/" + name + ":1"],
            Target = c.Target,
            BuildArgs = c.BuildArgs,
        }).Build().Image;
        var actual = ImageFacts.Of(_f.Catalog, built);
        var baseTree = ImageFacts.Describe(_f.Catalog.Union(_f.Catalog.Resolve(BuildKitFixture.Base)));

        if (c.Expected is { } expectedLines)
        {
            var added = actual.Tree.Where(kv => baseTree.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => "/" + kv.Key + " " + kv.Value).ToList();
            Assert.Equal(expectedLines, added);
            return;
        }

        var args = new List<string> { "build", "--network=host", "-q", "-t", "conformance/" + name, "-f", Path.Combine(context, c.File) };
        if (c.Target is { } target)
        {
            args.AddRange(["--target", target]);
        }

        foreach (var (key, value) in c.BuildArgs)
        {
            args.AddRange(["--build-arg", key + "=" + value]);
        }

        args.Add(context);
        _f.Docker.Run(args, out _);
        var docker = _f.SaveAndImport("conformance/" + name, "buildkit/" + name + ":1");
        var expected = ImageFacts.WithoutDeliberateDifferences(_f.Catalog, docker, baseTree);

        // A case whose difference is known and not fixed yet states it in case.known (and docs/builds.md):
        // the test holds it to exactly that, so a fix or a new difference shows.
        var diffs = ImageFacts.Differences(expected, actual);
        Assert.True(diffs.SequenceEqual(c.Known), $"{name}: {diffs.Count} differences from BuildKit ({c.Known.Count} known):\n" + string.Join("\n", diffs));
    }
}
