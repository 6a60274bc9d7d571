namespace LayerTools.Core.Lint;

/// <summary>
/// A language package manager whose install reads a manifest from the source tree (npm and
/// package.json, pip and requirements.txt...): the install step belongs between a COPY of the
/// manifest and the COPY of the rest of the source.
/// </summary>
internal sealed record DependencyInstaller(string Name, Func<IReadOnlyList<string>, bool> Matches, string[] Manifests)
{
    public static IReadOnlyList<DependencyInstaller> All { get; } = new[]
    {
        new DependencyInstaller("npm", c => Is(c, "npm") && Has(c, "install", "ci", "i"), new[] { "package.json", "package-lock.json", "npm-shrinkwrap.json" }),
        new DependencyInstaller("yarn", c => Is(c, "yarn") && (c.Count == 1 || Has(c, "install")), new[] { "package.json", "yarn.lock" }),
        new DependencyInstaller("pnpm", c => Is(c, "pnpm") && Has(c, "install", "i"), new[] { "package.json", "pnpm-lock.yaml" }),
        new DependencyInstaller("pip", c => (Is(c, "pip") || Is(c, "pip3") || (IsPython(c) && Has(c, "pip"))) && Has(c, "install") && Has(c, "-r", "--requirement", ".", "-e"), new[] { "requirements.txt", "pyproject.toml", "setup.py", "setup.cfg" }),
        new DependencyInstaller("poetry", c => Is(c, "poetry") && Has(c, "install"), new[] { "pyproject.toml", "poetry.lock" }),
        new DependencyInstaller("pipenv", c => Is(c, "pipenv") && Has(c, "install", "sync"), new[] { "Pipfile", "Pipfile.lock" }),
        new DependencyInstaller("go", c => Is(c, "go") && ((Has(c, "mod") && Has(c, "download")) || Has(c, "get")), new[] { "go.mod", "go.sum" }),
        new DependencyInstaller("maven", c => Is(c, "mvn") || Is(c, "mvnw"), new[] { "pom.xml" }),
        new DependencyInstaller("gradle", c => (Is(c, "gradle") || Is(c, "gradlew")) && Has(c, "dependencies", "build", "assemble"), new[] { "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts" }),
        new DependencyInstaller("bundler", c => Is(c, "bundle") && Has(c, "install"), new[] { "Gemfile", "Gemfile.lock" }),
        new DependencyInstaller("composer", c => Is(c, "composer") && Has(c, "install"), new[] { "composer.json", "composer.lock" }),
        new DependencyInstaller("dotnet", c => Is(c, "dotnet") && Has(c, "restore"), new[] { "*.csproj", "*.fsproj", "*.sln", "packages.lock.json", "Directory.Packages.props" }),
        new DependencyInstaller("cargo", c => Is(c, "cargo") && Has(c, "fetch", "build", "install"), new[] { "Cargo.toml", "Cargo.lock" }),
    };

    /// <summary>The installer a RUN calls, or null.</summary>
    public static DependencyInstaller? Find(ShellCommands commands) =>
        commands.Commands.Select(c => All.FirstOrDefault(i => i.Matches(c))).FirstOrDefault(i => i is not null);

    /// <summary>True when a COPY source names one of the manifests (by file name, wildcards as written or matched).</summary>
    public bool IsManifest(string source)
    {
        var name = Path.GetFileName(source.TrimEnd('/'));
        return Manifests.Any(m => m.StartsWith('*') ? name.EndsWith(m[1..], StringComparison.OrdinalIgnoreCase) : string.Equals(m, name, StringComparison.Ordinal))
            || (Name == "pip" && name.StartsWith("requirements", StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal))
            || (name.Contains('*', StringComparison.Ordinal) && Manifests.Any(m => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(name, m.TrimStart('*'))));
    }

    private static bool Is(IReadOnlyList<string> c, string program) => string.Equals(ShellCommands.Program(c), program, StringComparison.Ordinal);

    private static bool IsPython(IReadOnlyList<string> c) => ShellCommands.Program(c).StartsWith("python", StringComparison.Ordinal);

    private static bool Has(IReadOnlyList<string> c, params string[] words) => c.Skip(1).Any(a => words.Contains(a, StringComparer.Ordinal));
}
