using System.Text;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// What the operators of <c>${V op word}</c> do to a variable's value once the word is expanded:
/// defaults (<c>-</c>), alternatives (<c>+</c>), required (<c>?</c>), prefix and suffix trims
/// (<c>#</c>, <c>##</c>, <c>%</c>, <c>%%</c>) and replacement (<c>/</c>, <c>//</c>) with shell patterns
/// (<c>*</c>, <c>?</c>, escapes).
/// </summary>
internal static class SubstitutionModifiers
{
    /// <summary>
    /// Applies <paramref name="op"/> (<c>-</c>, <c>+</c>, <c>?</c>, <c>#</c> or <c>%</c>; <paramref name="colon"/> when
    /// written with ':' so an empty value counts as unset) to <paramref name="name"/>'s <paramref name="value"/>.
    /// </summary>
    public static string Apply(char op, bool colon, string name, string value, bool isSet, string word)
    {
        switch (op)
        {
            case '-':
                return !isSet || (colon && value.Length == 0) ? word : value;
            case '+':
                return !isSet || (colon && value.Length == 0) ? string.Empty : word;
            case '?':
                if (!isSet)
                {
                    throw new FormatException($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                }

                if (colon && value.Length == 0)
                {
                    throw new FormatException($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                }

                return value;
            case '#' or '%':
                {
                    var greedy = word.Length > 0 && word[0] == op;
                    if (greedy)
                    {
                        word = word[1..];
                    }

                    return op == '%' ? TrimSuffix(word, value, greedy) : TrimPrefix(word, value, greedy);
                }

            default:
                throw new FormatException($"unsupported modifier ({(colon ? ":" : string.Empty)}{op}) in substitution");
        }
    }

    /// <summary>The value with the first (or, with <paramref name="all"/>, every) match of the shell pattern replaced.</summary>
    public static string Replace(string value, string pattern, string replacement, bool all)
    {
        var re = ShellPattern(pattern, greedy: true, anchored: false);
        if (all)
        {
            return re.Replace(value, replacement.Replace("$", "$$", StringComparison.Ordinal));
        }

        var m = re.Match(value);
        return m.Success ? string.Concat(value.AsSpan(0, m.Index), replacement, value.AsSpan(m.Index + m.Length)) : value;
    }

    private static string TrimPrefix(string pattern, string value, bool greedy)
    {
        var m = ShellPattern(pattern, greedy, anchored: true).Match(value);
        return m.Success ? value[(m.Index + m.Length)..] : value;
    }

    private static string TrimSuffix(string pattern, string value, bool greedy)
    {
        var reversed = Reverse(pattern, keepEscapes: true);
        var trimmed = TrimPrefix(reversed, Reverse(value, keepEscapes: false), greedy);
        return Reverse(trimmed, keepEscapes: false);
    }

    private static string Reverse(string text, bool keepEscapes)
    {
        var output = new char[text.Length];
        var last = text.Length - 1;
        for (var i = 0; i <= last;)
        {
            if (keepEscapes && text[i] == '\\' && i != last)
            {
                output[last - i - 1] = '\\';
                output[last - i] = text[i + 1];
                i += 2;
            }
            else
            {
                output[last - i] = text[i];
                i++;
            }
        }

        return new string(output);
    }

    private static Regex ShellPattern(string pattern, bool greedy, bool anchored)
    {
        var sb = new StringBuilder(anchored ? "^" : string.Empty);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append(greedy ? "(?s:.*)" : "(?s:.*?)");
                    break;
                case '?':
                    sb.Append("(?s:.)");
                    break;
                case '\\' when i + 1 < pattern.Length:
                    i++;
                    if (pattern[i] is '}' or '/')
                    {
                        sb.Append(Regex.Escape(pattern[i].ToString()));
                        break;
                    }

                    if (pattern[i] is not ('*' or '?' or '\\'))
                    {
                        throw new FormatException($"invalid pattern ({pattern}) in substitution: invalid escape '\\{pattern[i]}'");
                    }

                    sb.Append('\\').Append(pattern[i]);
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return new Regex(sb.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
    }
}
