using System.Text;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Reads a Dockerfile into a <see cref="Dockerfile"/> (instructions with file and lines, split into
/// stages) following BuildKit's rules: parser directives at the top, comments, line continuations
/// with the escape character (comment and empty lines inside a continuation are dropped),
/// case-insensitive keywords, JSON and shell forms, flags, and heredocs. Any problem is a
/// <see cref="LayerToolsException"/> with id <c>DockerfileParseError</c> and a message starting
/// with <c>file:line:</c>; no input makes it fail any other way.
/// </summary>
internal static class DockerfileParser
{
    /// <summary>Parses the file at <paramref name="path"/>; messages name it as <paramref name="displayName"/> (default: the path).</summary>
    public static Dockerfile ParseFile(string path, string? displayName = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var kind = ex is FileNotFoundException or DirectoryNotFoundException ? ErrorKind.ObjectNotFound : ErrorKind.ReadError;
            throw new LayerToolsException("DockerfileNotFound", kind, $"Cannot read the Dockerfile '{path}': {ex.Message}", path, ex);
        }

        return Parse(text, displayName ?? path);
    }

    /// <summary>Parses Dockerfile text; <paramref name="file"/> is the name used in locations and messages.</summary>
    public static Dockerfile Parse(string text, string file = "Dockerfile")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            return ParseCore(text, file);
        }
        catch (LayerToolsException)
        {
            throw;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            // A rule this parser missed must still surface as a Dockerfile error, never as a crash.
            throw new LayerToolsException(DockerfileError.ErrorId, ErrorKind.InvalidData, $"{file}: cannot parse the Dockerfile: {ex.Message}", file, ex);
        }
    }

    /// <summary>
    /// Parses the ONBUILD triggers stored in a base image's config (<c>config.OnBuild</c>) into the
    /// instructions a build runs right after its FROM. Locations name <paramref name="source"/>
    /// (e.g. <c>ONBUILD of node:20</c>) and the trigger's position, 1-based.
    /// </summary>
    public static IReadOnlyList<Instruction> ParseTriggers(IEnumerable<string> triggers, string source)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(source);
        var result = new List<Instruction>();
        var n = 0;
        foreach (var trigger in triggers)
        {
            n++;
            var name = $"{source} trigger {n}";
            List<Instruction> parsed;
            try
            {
                parsed = ParseInstructions(trigger ?? string.Empty, name, new DirectiveParser()).Instructions;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
            {
                throw new LayerToolsException(DockerfileError.ErrorId, ErrorKind.InvalidData, $"{name}: cannot parse the trigger: {ex.Message}", source, ex);
            }

            foreach (var instruction in parsed)
            {
                if (instruction.Kind is InstructionKind.Onbuild or InstructionKind.From or InstructionKind.Maintainer)
                {
                    throw DockerfileError.At(instruction.Location, $"{instruction.Kind.ToString().ToUpperInvariant()} isn't allowed as an ONBUILD trigger");
                }

                result.Add(instruction);
            }
        }

        return result;
    }

    private static Dockerfile ParseCore(string text, string file)
    {
        var directives = new DirectiveParser();
        var (instructions, lineCount) = ParseInstructions(text, file, directives);
        if (instructions.Count == 0)
        {
            throw DockerfileError.At(file, Math.Max(lineCount, 1), "file with no instructions");
        }

        return Dockerfile.Create(file, directives.EscapeToken, directives.Directives, instructions);
    }

    private static (List<Instruction> Instructions, int LineCount) ParseInstructions(string text, string file, DirectiveParser directives)
    {
        var lines = SplitLines(text);
        var instructions = new List<Instruction>();
        var i = 0;
        while (i < lines.Count)
        {
            var raw = lines[i];
            if (i == 0 && raw.StartsWith('\uFEFF'))
            {
                raw = raw[1..];
            }

            var startIndex = i;
            i++;
            var startLine = i;
            var token = DockerfileSyntax.TrimNewline(raw).TrimStart();
            directives.TryParse(token, file, startLine);
            if (DockerfileSyntax.IsComment(token))
            {
                token = string.Empty;
            }

            var escape = directives.EscapeToken;
            var (part, isEnd) = DockerfileSyntax.TrimContinuation(token, escape);
            if (isEnd && part.Length == 0)
            {
                continue;
            }

            var logical = new StringBuilder(part);
            while (!isEnd && i < lines.Count)
            {
                var next = lines[i];
                i++;
                var t = DockerfileSyntax.TrimNewline(next);
                directives.TryParse(t, file, i);
                if (DockerfileSyntax.IsComment(next) || t.TrimStart().Length == 0)
                {
                    continue;
                }

                (part, isEnd) = DockerfileSyntax.TrimContinuation(t, escape);
                logical.Append(part);
            }

            var line = logical.ToString();
            var header = InstructionParser.SplitHeader(line, escape, file, startLine);
            var heredocs = new List<Heredoc>();
            if (InstructionParser.CanContainHeredoc(header, escape) && line.Contains("<<", StringComparison.Ordinal))
            {
                foreach (var doc in InstructionParser.HeredocsFromLine(line, new SourceLocation(file, startLine, i)))
                {
                    var content = new StringBuilder();
                    var terminated = false;
                    while (i < lines.Count)
                    {
                        var body = lines[i];
                        i++;
                        var candidate = DockerfileSyntax.TrimNewline(body);
                        if (doc.Chomp)
                        {
                            candidate = candidate.TrimStart('\t');
                        }

                        if (candidate == doc.Name)
                        {
                            terminated = true;
                            break;
                        }

                        content.Append(body);
                    }

                    if (!terminated)
                    {
                        throw DockerfileError.At(file, startLine, $"{header.Keyword.ToUpperInvariant()}: unterminated heredoc <<{doc.Name} (no line '{doc.Name}' closes it)");
                    }

                    heredocs.Add(doc with { Content = content.ToString() });
                }
            }

            var sourceText = string.Concat(lines.Skip(startIndex).Take(i - startIndex)).TrimEnd('\r', '\n');
            var location = new SourceLocation(file, startLine, i);
            var source = new InstructionSource(header.Keyword, line.Trim(), sourceText, location, [], escape);
            instructions.Add(InstructionParser.Create(header, heredocs, source));
        }

        return (instructions, lines.Count);
    }

    /// <summary>Splits into lines that keep their line ending ('\n', with any '\r' before it).</summary>
    private static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                lines.Add(text[start..]);
                break;
            }

            lines.Add(text[start..(nl + 1)]);
            start = nl + 1;
        }

        return lines;
    }
}
