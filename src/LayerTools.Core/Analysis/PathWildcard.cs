using System.Text;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Analysis;

/// <summary>
/// Compare-Layer's -Path: a PowerShell-style wildcard (<c>*</c>, <c>?</c>, <c>[a-z]</c>, backtick escapes)
/// over absolute paths inside the trees ("/etc/*.conf"). A pattern without a leading '/' gets one, and a
/// trailing '/' is ignored. A path matches when it, or one of its parent directories, matches, so
/// <c>/etc</c> selects /etc and everything beneath it. Matching is case-sensitive, like the paths in a layer.
/// </summary>
internal sealed class PathWildcard
{
    private readonly Regex _regex;

    public PathWildcard(string pattern)
    {
        Pattern = pattern;
        var p = pattern.Trim();
        if (!p.StartsWith('/') && !p.StartsWith('*'))
        {
            p = "/" + p;
        }

        if (p.Length > 1)
        {
            p = p.TrimEnd('/');
        }

        _regex = new Regex(ToRegex(p), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public string Pattern { get; }

    /// <summary>
    /// The absolute path a pattern names when it has no wildcard ("/app" for "app/"); null for a pattern
    /// with *, ? or [ ], or for the root. A folder compared with -Path stands at this path.
    /// </summary>
    public static string? Literal(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern) || pattern.IndexOfAny(['*', '?', '[', '`']) >= 0)
        {
            return null;
        }

        var p = "/" + pattern.Trim().Trim('/');
        return p.Length > 1 ? p : null;
    }

    /// <summary>True when <paramref name="path"/> ("/a/b/c") or one of its parents matches.</summary>
    public bool IsMatch(string path)
    {
        var p = path;
        while (true)
        {
            if (_regex.IsMatch(p))
            {
                return true;
            }

            var slash = p.LastIndexOf('/');
            if (slash <= 0)
            {
                return false;
            }

            p = p[..slash];
        }
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '`' when i + 1 < pattern.Length:
                    sb.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        throw new LayerToolsException("InvalidPathPattern", ErrorKind.InvalidArgument, $"The path pattern '{pattern}' has a '[' without its ']'. Escape it with a backtick (`[) to match it literally.", pattern);
                    }

                    sb.Append('[');
                    foreach (var k in pattern.AsSpan(i + 1, close - i - 1))
                    {
                        sb.Append(k is '\\' or '^' or '[' ? "\\" + k : k.ToString());
                    }

                    sb.Append(']');
                    i = close;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.Append('$').ToString();
    }

    public override string ToString() => Pattern;
}
