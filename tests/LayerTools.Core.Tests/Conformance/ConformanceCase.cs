using System.Diagnostics;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>
/// One case of tests/conformance: a folder with a Dockerfile and its context. Files named case.* are
/// the harness's, not the context's: <c>case.args</c> (build flags: <c>--target X</c>, <c>--build-arg K=V</c>,
/// <c>--file NAME</c> for a Dockerfile of another name in the context), <c>case.base</c> (a Dockerfile
/// Docker builds first in the context, tagged <c>&lt;case&gt;-base:conformance</c> and imported into the
/// store from <c>docker save</c>, so both builders start FROM the very same image),
/// <c>case.sh</c> (run in the copied context first, for what git cannot hold: hard links, modes, owners),
/// <c>case.known</c> (differences known and
/// not fixed yet, as the suite prints them), <c>case.expected</c> (for syntax Docker 20.10's BuildKit lacks: what LayerTools must add to the base, and why).
/// </summary>
internal sealed class ConformanceCase
{
    private ConformanceCase(string name, string folder)
    {
        Name = name;
        Folder = folder;
        var args = Path.Combine(folder, "case.args");
        var tokens = System.IO.File.Exists(args) ? System.IO.File.ReadAllText(args).Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries) : [];
        for (var i = 0; i + 1 < tokens.Length; i += 2)
        {
            switch (tokens[i])
            {
                case "--target":
                    Target = tokens[i + 1];
                    break;
                case "--file":
                    File = tokens[i + 1];
                    break;
                case "--build-arg":
                    var kv = tokens[i + 1].Split('=', 2);
                    BuildArgs[kv[0]] = kv[1];
                    break;
                default:
                    throw new InvalidOperationException($"{args}: unknown flag {tokens[i]}");
            }
        }

        var known = Path.Combine(folder, "case.known");
        Known = System.IO.File.Exists(known) ? System.IO.File.ReadAllLines(known).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList() : [];

        var expected = Path.Combine(folder, "case.expected");
        if (System.IO.File.Exists(expected))
        {
            Expected = System.IO.File.ReadAllLines(expected).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        }
    }

    public string Name { get; }

    public string Folder { get; }

    public string? Target { get; }

    /// <summary>The Dockerfile's name in the context.</summary>
    public string File { get; } = "Dockerfile";

    /// <summary>The Dockerfile of the base image Docker builds first (case.base), or null.</summary>
    public string? BaseDockerfile => System.IO.File.Exists(Path.Combine(Folder, "case.base")) ? Path.Combine(Folder, "case.base") : null;

    /// <summary>The tag of the image case.base builds, in docker and in the store.</summary>
    public string BaseTag => Name + "-base:conformance";

    public Dictionary<string, string> BuildArgs { get; } = new(StringComparer.Ordinal);

    /// <summary>The differences from BuildKit this case is known to have (case.known), each as the suite prints it.</summary>
    public List<string> Known { get; }

    /// <summary>The tree lines LayerTools must add over the base, for a case Docker cannot build here; null when Docker builds it.</summary>
    public List<string>? Expected { get; }

    public static string CorpusRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "conformance");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new DirectoryNotFoundException("tests/conformance not found above " + AppContext.BaseDirectory);
        }
    }

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.EnumerateDirectories(CorpusRoot).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    public static ConformanceCase Load(string name) => new(name, Path.Combine(CorpusRoot, name));

    /// <summary>Copies the context (symbolic links as links) into <paramref name="target"/> and runs case.sh there.</summary>
    public void PrepareContext(string target)
    {
        Copy(Folder, target, top: true);
        var script = Path.Combine(Folder, "case.sh");
        if (System.IO.File.Exists(script))
        {
            var psi = new ProcessStartInfo("/bin/sh", [script]) { WorkingDirectory = target, UseShellExecute = false, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"{script} exited with {p.ExitCode}: {err}");
            }
        }
    }

    private static void Copy(string from, string to, bool top)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            if (top && entry.Name.StartsWith("case.", StringComparison.Ordinal))
            {
                continue;
            }

            var dest = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                System.IO.File.CreateSymbolicLink(dest, link);
            }
            else if (entry is DirectoryInfo)
            {
                Copy(entry.FullName, dest, top: false);
            }
            else
            {
                System.IO.File.Copy(entry.FullName, dest);
            }
        }
    }
}
