using System.Text;
using System.Text.Json.Nodes;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Build;

/// <summary>
/// One real store with the busybox base, shared by the tests of a class: each test builds in a context
/// folder of its own and tags its own names, so sharing the store (and its build cache) is safe.
/// </summary>
public sealed class BuildFixture : IDisposable
{
    private int _contexts;

    public BuildFixture()
    {
        TestImages.Add(Temp.Store, "busybox:test", BusyboxBase.Layer());
    }

    internal TempStore Temp { get; } = new();

    internal ImageCatalog Catalog => new(Temp.Store);

    /// <summary>A new, empty context folder.</summary>
    public string Context()
    {
        var dir = Path.Combine(Temp.Parent, "ctx" + Interlocked.Increment(ref _contexts));
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal BuildResult Build(string context, string dockerfile, string tag, long? epoch = null, string? target = null, Dictionary<string, string>? labels = null, string file = "Dockerfile", bool noCache = false)
    {
        File.WriteAllText(Path.Combine(context, file), dockerfile);
        return new ImageBuilder(Temp.Store, new BuildOptions
        {
            ContextPath = context,
            File = Path.Combine(context, file),
            Tags = new[] { tag },
            SourceDateEpoch = epoch,
            Target = target,
            Labels = labels ?? new Dictionary<string, string>(),
            NoCache = noCache,
        }).Build();
    }

    internal LayeredImage Load(string reference) => Catalog.Load(Catalog.Resolve(reference));

    /// <summary>The image's config JSON as stored.</summary>
    internal JsonObject Config(string reference)
    {
        var catalog = Catalog;
        return catalog.ReadConfig(catalog.ConfigDigestOf(catalog.Resolve(reference))).Json;
    }

    internal UnionView View(string reference) => Catalog.Union(Catalog.Resolve(reference));

    internal string Read(string reference, string path)
    {
        var view = View(reference);
        using var s = LayerContent.Open(Temp.Store, view, view.Resolve(path.TrimStart('/')));
        return new StreamReader(s, Encoding.UTF8).ReadToEnd();
    }

    public void Dispose() => Temp.Dispose();
}
