using System.Text;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Context;

/// <summary>
/// One line of a .dockerignore, compiled the way moby's patternmatcher does: Go
/// <c>filepath.Match</c> syntax (<c>*</c> and <c>?</c> stop at '/', <c>[a-z]</c> and <c>[^a-z]</c>
/// classes, <c>\</c> escapes) plus <c>**</c> for any number of directories, including none.
/// </summary>
internal sealed class DockerignorePattern
{
    private readonly MatchType _type;
    private readonly Regex? _regex;
    private readonly string[] _segments;

    private enum MatchType
    {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }

    public DockerignorePattern(string pattern, bool isException, int line)
    {
        Pattern = pattern;
        IsException = isException;
        Line = line;
        (_type, var regex) = Compile(pattern);
        _regex = _type == MatchType.Regex ? new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5)) : null;
        _segments = pattern.Split('/');
    }

    /// <summary>The cleaned pattern (no leading '!' or '/').</summary>
    public string Pattern { get; }

    /// <summary>True for a <c>!pattern</c> line: it re-includes what it matches.</summary>
    public bool IsException { get; }

    /// <summary>The 1-based line of the .dockerignore it came from.</summary>
    public int Line { get; }

    /// <summary>Whether the pattern matches <paramref name="path"/> itself (no parent-directory rule).</summary>
    public bool MatchesExactly(string path) => MatchesExactly(path.AsSpan());

    /// <summary>As <see cref="MatchesExactly(string)"/>, on a span (a parent's path is not made into a string for each file).</summary>
    private bool MatchesExactly(ReadOnlySpan<char> path) => _type switch
    {
        MatchType.Exact => path.SequenceEqual(Pattern),
        MatchType.Prefix => path.StartsWith(Pattern.AsSpan(0, Pattern.Length - 2), StringComparison.Ordinal),
        MatchType.Suffix => MatchesSuffix(path),
        _ => _regex!.IsMatch(path),
    };

    /// <summary>Whether the pattern matches <paramref name="path"/> or one of its parent directories.</summary>
    public bool Matches(string path)
    {
        if (MatchesExactly(path))
        {
            return true;
        }

        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (MatchesExactly(path.AsSpan(0, slash)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the pattern could match some path strictly below <paramref name="directory"/>
    /// (conservative: true when unsure). Used to decide that an excluded directory can be skipped.
    /// </summary>
    public bool CouldMatchBelow(string directory) => CouldMatchBelow(0, directory.Split('/'), 0);

    public override string ToString() => IsException ? "!" + Pattern : Pattern;

    /// <summary>Checks Go's filepath.Match syntax; returns an error text or null.</summary>
    public static string? Validate(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (++i >= pattern.Length)
                {
                    return "a pattern cannot end with an escape character";
                }
            }
            else if (c == '[')
            {
                i++;
                if (i < pattern.Length && pattern[i] == '^')
                {
                    i++;
                }

                var ranges = 0;
                while (true)
                {
                    if (i < pattern.Length && pattern[i] == ']' && ranges > 0)
                    {
                        break;
                    }

                    if (!ClassChar(pattern, ref i, out var lo))
                    {
                        return "malformed character class";
                    }

                    if (i < pattern.Length && pattern[i] == '-')
                    {
                        i++;
                        if (!ClassChar(pattern, ref i, out var hi))
                        {
                            return "malformed character range";
                        }

                        if (hi < lo)
                        {
                            return $"character range {lo}-{hi} is out of order";
                        }
                    }

                    ranges++;
                }
            }
        }

        return null;
    }

    private static bool ClassChar(string pattern, ref int i, out char c)
    {
        c = '\0';
        if (i >= pattern.Length || pattern[i] is '-' or ']')
        {
            return false;
        }

        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length)
            {
                return false;
            }
        }

        c = pattern[i];
        i++;
        return true;
    }

    private bool MatchesSuffix(ReadOnlySpan<char> path)
    {
        var suffix = Pattern.AsSpan(2);
        if (path.EndsWith(suffix, StringComparison.Ordinal))
        {
            return true;
        }

        return suffix.Length > 0 && suffix[0] == '/' && path.SequenceEqual(suffix[1..]);
    }

    private bool CouldMatchBelow(int i, string[] dir, int j)
    {
        if (j == dir.Length)
        {
            return i < _segments.Length;
        }

        if (i == _segments.Length)
        {
            return false;
        }

        var segment = _segments[i];
        if (segment.Contains("**", StringComparison.Ordinal) || segment.Contains('[', StringComparison.Ordinal))
        {
            return true;
        }

        var (type, regex) = Compile(segment);
        var matches = type == MatchType.Exact ? segment == dir[j] : Regex.IsMatch(dir[j], regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
        return matches && CouldMatchBelow(i + 1, dir, j + 1);
    }

    private static (MatchType Type, string Regex) Compile(string pattern)
    {
        var re = new StringBuilder("^");
        var type = MatchType.Exact;
        var i = 0;
        var first = true;
        while (i < pattern.Length)
        {
            var c = pattern[i++];
            switch (c)
            {
                case '*' when i < pattern.Length && pattern[i] == '*':
                    i++;
                    if (i < pattern.Length && pattern[i] == '/')
                    {
                        i++;
                    }

                    if (i == pattern.Length)
                    {
                        if (type == MatchType.Exact)
                        {
                            type = MatchType.Prefix;
                        }
                        else
                        {
                            re.Append("(?s:.*)");
                            type = MatchType.Regex;
                        }
                    }
                    else
                    {
                        re.Append("(?s:.*/)?");
                        type = MatchType.Regex;
                    }

                    if (first)
                    {
                        type = MatchType.Suffix;
                    }

                    break;
                case '*':
                    re.Append("[^/]*");
                    type = MatchType.Regex;
                    break;
                case '?':
                    re.Append("[^/]");
                    type = MatchType.Regex;
                    break;
                case '\\':
                    if (i < pattern.Length)
                    {
                        re.Append(Regex.Escape(pattern[i++].ToString()));
                        type = MatchType.Regex;
                    }
                    else
                    {
                        re.Append(@"\\");
                    }

                    break;
                case '[':
                    i = AppendClass(pattern, i, re);
                    type = MatchType.Regex;
                    break;
                case ']':
                    re.Append(@"\]");
                    type = MatchType.Regex;
                    break;
                default:
                    re.Append(Regex.Escape(c.ToString()));
                    break;
            }

            first = false;
        }

        re.Append(@"\z");
        return (type, re.ToString());
    }

    /// <summary>Appends a validated <c>[...]</c> class starting after '['; returns the index after ']'.</summary>
    private static int AppendClass(string pattern, int i, StringBuilder re)
    {
        re.Append('[');
        if (i < pattern.Length && pattern[i] == '^')
        {
            re.Append('^');
            i++;
        }

        var count = 0;
        while (i < pattern.Length && !(pattern[i] == ']' && count > 0))
        {
            var c = pattern[i++];
            if (c == '\\' && i < pattern.Length)
            {
                c = pattern[i++];
            }
            else if (c == '-' && count > 0)
            {
                re.Append('-');
                continue;
            }

            re.Append(EscapeInClass(c));
            count++;
        }

        re.Append(']');
        return i + 1;
    }

    private static string EscapeInClass(char c) =>
        char.IsAsciiLetterOrDigit(c) ? c.ToString() : "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
}
