using System.Text;

namespace LayerTools.Core.Build.Context;

/// <summary>
/// The .dockerignore rules of a build context, read as moby does: a UTF-8 BOM is stripped; a line
/// is a comment only when its first byte is <c>#</c>; lines are trimmed and empty ones skipped;
/// a leading <c>!</c> marks an exception (<c>!</c> alone is an error); patterns are cleaned
/// (Go <c>filepath.Clean</c>) and one leading <c>/</c> dropped. A path is excluded when the last
/// pattern matching it (or one of its parent directories) is not an exception. Immutable.
/// </summary>
internal sealed class DockerignoreMatcher
{
    public const string ErrorId = "DockerignoreParseError";

    private DockerignoreMatcher(string? source, IReadOnlyList<DockerignorePattern> patterns)
    {
        Source = source;
        Patterns = patterns;
        HasExceptions = patterns.Any(p => p.IsException);
    }

    /// <summary>A matcher that excludes nothing (no .dockerignore).</summary>
    public static DockerignoreMatcher Empty { get; } = new(null, []);

    /// <summary>The file the rules came from; null for <see cref="Empty"/> or text given directly.</summary>
    public string? Source { get; }

    public IReadOnlyList<DockerignorePattern> Patterns { get; }

    public bool HasExceptions { get; }

    /// <summary>
    /// Loads the rules for a build: <c>&lt;Dockerfile path&gt;.dockerignore</c> next to the Dockerfile
    /// when it exists (it wins), else <c>&lt;context&gt;/.dockerignore</c>, else <see cref="Empty"/>.
    /// </summary>
    public static DockerignoreMatcher Load(string contextDirectory, string? dockerfilePath = null)
    {
        ArgumentNullException.ThrowIfNull(contextDirectory);
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(dockerfilePath))
        {
            candidates.Add(dockerfilePath + ".dockerignore");
        }

        candidates.Add(Path.Combine(contextDirectory, ".dockerignore"));
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate))
            {
                continue;
            }

            try
            {
                using var stream = File.OpenRead(candidate);
                return Read(stream, candidate);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new LayerToolsException("DockerignoreUnreadable", ErrorKind.ReadError, $"Cannot read '{candidate}': {ex.Message}", candidate, ex);
            }
        }

        return Empty;
    }

    /// <summary>Reads rules from a stream (UTF-8); <paramref name="source"/> names it in messages.</summary>
    public static DockerignoreMatcher Read(Stream stream, string source = ".dockerignore")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
        return Parse(reader.ReadToEnd(), source);
    }

    /// <summary>Parses .dockerignore text; <paramref name="source"/> names it in messages.</summary>
    public static DockerignoreMatcher Parse(string text, string source = ".dockerignore")
    {
        ArgumentNullException.ThrowIfNull(text);
        var patterns = new List<DockerignorePattern>();
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            Array.Resize(ref lines, lines.Length - 1);
        }

        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            if (n == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            var exception = pattern[0] == '!';
            if (exception)
            {
                pattern = pattern[1..].Trim();
                if (pattern.Length == 0)
                {
                    throw new LayerToolsException(ErrorId, ErrorKind.InvalidData, $"{source}:{n + 1}: illegal exclusion pattern: \"!\" (an exception needs a pattern after '!').", source);
                }
            }

            pattern = GoPath.Clean(pattern);
            if (pattern.Length > 1 && pattern[0] == '/')
            {
                pattern = pattern[1..];
            }

            if (DockerignorePattern.Validate(pattern) is { } problem)
            {
                throw new LayerToolsException(ErrorId, ErrorKind.InvalidData, $"{source}:{n + 1}: syntax error in pattern \"{line.Trim()}\": {problem}.", source);
            }

            patterns.Add(new DockerignorePattern(pattern, exception, n + 1));
        }

        return new DockerignoreMatcher(source, patterns);
    }

    /// <summary>
    /// Whether <paramref name="path"/> (relative to the context, '/'-separated) is excluded from
    /// the context. The context root itself is never excluded.
    /// </summary>
    public bool IsExcluded(string path) => LastMatch(Normalize(path)) is { IsException: false };

    /// <summary>
    /// Whether the walker may skip directory <paramref name="path"/> without reading anything in
    /// it: it is excluded and no later exception pattern could re-include something below it.
    /// </summary>
    public bool CanSkipDirectory(string path)
    {
        var normalized = Normalize(path);
        var index = LastMatchIndex(normalized);
        if (index < 0 || Patterns[index].IsException)
        {
            return false;
        }

        for (var i = index + 1; i < Patterns.Count; i++)
        {
            if (Patterns[i].IsException && Patterns[i].CouldMatchBelow(normalized))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The last pattern matching <paramref name="path"/> or a parent of it; null when none does.</summary>
    public DockerignorePattern? LastMatch(string path)
    {
        var index = LastMatchIndex(Normalize(path));
        return index < 0 ? null : Patterns[index];
    }

    private int LastMatchIndex(string path)
    {
        if (path.Length == 0 || path == ".")
        {
            return -1;
        }

        for (var i = Patterns.Count - 1; i >= 0; i--)
        {
            if (Patterns[i].Matches(path))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Normalize(string path)
    {
        var clean = GoPath.Clean(path);
        return clean == "." ? string.Empty : clean.TrimStart('/');
    }
}
