using LayerTools.Core.Build.Context;

namespace LayerTools.Core.Lint;

/// <summary>
/// Looks in the build context for folders that do not belong in an image — dependencies
/// (node_modules, .venv), version control (.git), build outputs (bin/obj next to a .NET project,
/// target next to pom.xml or Cargo.toml, dist/build next to package.json) — and reports those the
/// .dockerignore (<c>&lt;Dockerfile&gt;.dockerignore</c> or <c>&lt;context&gt;/.dockerignore</c>) lets through.
/// </summary>
internal static class DockerignoreCheck
{
    private const int MaxFilesCounted = 100_000;

    private static readonly string[] Always = { "node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", ".pytest_cache", ".tox", ".next", ".gradle", ".terraform" };

    /// <summary>The offending top-level folders: name, file count and bytes (counts stop at 100,000 files).</summary>
    public static IReadOnlyList<(string Name, long Files, long Bytes)> Find(string context, string? dockerfilePath, out DockerignoreMatcher matcher)
    {
        matcher = DockerignoreMatcher.Load(context, dockerfilePath);
        var result = new List<(string, long, long)>();
        if (!Directory.Exists(context))
        {
            return result;
        }

        var candidates = new List<string>(Always);
        bool Has(string pattern) => Directory.EnumerateFiles(context, pattern).Any();
        if (Has("*.csproj") || Has("*.fsproj") || Has("*.sln"))
        {
            candidates.AddRange(new[] { "bin", "obj" });
        }

        if (Has("pom.xml") || Has("Cargo.toml") || Has("build.sbt"))
        {
            candidates.Add("target");
        }

        if (Has("package.json"))
        {
            candidates.AddRange(new[] { "dist", "build", "coverage" });
        }

        if (Has("build.gradle") || Has("build.gradle.kts"))
        {
            candidates.Add("build");
        }

        foreach (var name in candidates.Distinct(StringComparer.Ordinal))
        {
            var dir = Path.Combine(context, name);
            if (!Directory.Exists(dir) || matcher.IsExcluded(name))
            {
                continue;
            }

            long files = 0, bytes = 0;
            try
            {
                foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                {
                    files++;
                    bytes += f.Length;
                    if (files >= MaxFilesCounted)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A folder we cannot read is still worth reporting, without its size.
            }

            result.Add((name, files, bytes));
        }

        return result;
    }
}
