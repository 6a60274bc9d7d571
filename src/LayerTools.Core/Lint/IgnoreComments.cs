using System.Text.RegularExpressions;

namespace LayerTools.Core.Lint;

/// <summary>
/// The <c># layertools-ignore=LT001,LT006</c> comments of a Dockerfile. The parser drops comments, so
/// they are read from the file's lines: comments above the first instruction silence the rules for the
/// whole file; the comment lines right above an instruction (no blank line between) silence them for
/// that instruction.
/// </summary>
internal sealed partial class IgnoreComments
{
    private readonly string[] _lines;
    private readonly HashSet<string> _fileWide;
    private readonly int _firstInstructionLine;

    public IgnoreComments(string text, int firstInstructionLine)
    {
        _lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        _firstInstructionLine = firstInstructionLine;
        _fileWide = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Math.Min(_lines.Length, firstInstructionLine - 1); i++)
        {
            _fileWide.UnionWith(IdsOn(_lines[i]));
        }
    }

    /// <summary>True when <paramref name="ruleId"/> is silenced for the instruction starting at <paramref name="line"/> (1-based).</summary>
    public bool IsIgnored(string ruleId, int line)
    {
        if (_fileWide.Contains(ruleId))
        {
            return true;
        }

        if (line <= _firstInstructionLine)
        {
            return false;
        }

        for (var i = line - 2; i >= 0 && i < _lines.Length; i--)
        {
            var text = _lines[i].Trim();
            if (!text.StartsWith('#'))
            {
                break;
            }

            if (IdsOn(text).Contains(ruleId, StringComparer.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> IdsOn(string line)
    {
        var m = IgnorePattern().Match(line);
        return m.Success
            ? m.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : Enumerable.Empty<string>();
    }

    [GeneratedRegex(@"^\s*#\s*layertools-ignore\s*=\s*([A-Za-z0-9_, \t-]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IgnorePattern();
}
