using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

/// <summary>The Dockerfiles under Build/Corpus, copied next to the test assembly.</summary>
internal static class Corpus
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Build", "Corpus", name);

    public static Dockerfile Parse(string name) => DockerfileParser.ParseFile(PathOf(name), name);

    public static Dictionary<string, string> Vars(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
