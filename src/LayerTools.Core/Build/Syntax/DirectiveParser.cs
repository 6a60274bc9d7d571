using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Parser directives (<c># escape=`</c>, <c># syntax=...</c>, <c># check=...</c>): only at the very top of
/// the file, before any instruction, comment or empty line; each at most once. Anything else ends them.
/// </summary>
internal sealed partial class DirectiveParser
{
    private readonly Dictionary<string, string> _directives = new(StringComparer.Ordinal);
    private bool _done;

    public char EscapeToken { get; private set; } = '\\';

    public IReadOnlyDictionary<string, string> Directives => _directives;

    /// <summary>Looks at one line (left-trimmed, newline removed); returns true when it was a directive.</summary>
    public bool TryParse(string line, string file, int lineNumber)
    {
        if (_done)
        {
            return false;
        }

        if (!line.StartsWith('#'))
        {
            _done = true;
            return false;
        }

        var match = DirectivePattern().Match(line[1..].TrimStart());
        if (!match.Success)
        {
            _done = true;
            return false;
        }

        var key = match.Groups[1].Value.ToLowerInvariant();
        if (key is not ("syntax" or "escape" or "check"))
        {
            _done = true;
            return false;
        }

        if (_directives.ContainsKey(key))
        {
            throw DockerfileError.At(file, lineNumber, $"only one {key} parser directive can be used");
        }

        var value = match.Groups[2].Value;
        if (key == "escape")
        {
            if (value is not ("`" or "\\"))
            {
                throw DockerfileError.At(file, lineNumber, $"invalid escape token '{value}' does not match ` or \\");
            }

            EscapeToken = value[0];
        }

        _directives[key] = value;
        return true;
    }

    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();
}
