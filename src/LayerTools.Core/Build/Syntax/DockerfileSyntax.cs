using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LayerTools.Core.Build.Syntax;

/// <summary>The low-level lexing rules of the Dockerfile format (word splitting, flags, JSON arrays, continuations).</summary>
internal static class DockerfileSyntax
{
    /// <summary>Go's <c>[\t\v\f\r ]</c>: the whitespace that separates an instruction's arguments.</summary>
    public static bool IsSeparator(char c) => c is ' ' or '\t' or '\v' or '\f' or '\r';

    /// <summary>Splits on runs of separator whitespace, dropping empty pieces; at most <paramref name="count"/> pieces.</summary>
    public static List<string> SplitWhitespace(string text, int count = int.MaxValue)
    {
        var parts = new List<string>();
        var i = 0;
        while (i < text.Length && IsSeparator(text[i]))
        {
            i++;
        }

        while (i < text.Length)
        {
            if (parts.Count == count - 1)
            {
                parts.Add(text[i..]);
                return parts;
            }

            var start = i;
            while (i < text.Length && !IsSeparator(text[i]))
            {
                i++;
            }

            parts.Add(text[start..i]);
            while (i < text.Length && IsSeparator(text[i]))
            {
                i++;
            }
        }

        return parts;
    }

    /// <summary>
    /// Splits space-delimited words keeping quotes and escapes in place (they are removed later by
    /// expansion). Used by ENV, LABEL and ARG.
    /// </summary>
    public static List<string> ParseWords(string rest, char escape)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var blankOk = false;
        for (var pos = 0; pos < rest.Length; pos++)
        {
            var ch = rest[pos];
            if (!inWord && quote == '\0')
            {
                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }

                inWord = true;
            }

            if (quote == '\0')
            {
                if (char.IsWhiteSpace(ch))
                {
                    if (blankOk || sb.Length > 0)
                    {
                        words.Add(sb.ToString());
                    }

                    sb.Clear();
                    blankOk = false;
                    inWord = false;
                    continue;
                }

                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                }

                if (ch == escape)
                {
                    if (pos + 1 == rest.Length)
                    {
                        continue;
                    }

                    sb.Append(ch);
                    pos++;
                    ch = rest[pos];
                }

                sb.Append(ch);
                continue;
            }

            if (ch == quote)
            {
                quote = '\0';
                sb.Append(ch);
                continue;
            }

            if (ch == escape && quote != '\'')
            {
                if (pos + 1 == rest.Length)
                {
                    quote = '\0';
                    continue;
                }

                sb.Append(ch);
                pos++;
                ch = rest[pos];
            }

            sb.Append(ch);
        }

        if ((inWord || quote != '\0') && (blankOk || sb.Length > 0))
        {
            words.Add(sb.ToString());
        }

        return words;
    }

    /// <summary>
    /// Takes the leading <c>--flag[=value]</c> words off an instruction's arguments (quotes and
    /// escapes inside them resolved) and returns the rest. A lone <c>--</c> ends the flags.
    /// </summary>
    public static (string Remainder, List<string> Flags) ExtractFlags(string line, char escape)
    {
        var flags = new List<string>();
        var pos = 0;
        while (true)
        {
            while (pos < line.Length && char.IsWhiteSpace(line[pos]))
            {
                pos++;
            }

            if (pos >= line.Length)
            {
                return (string.Empty, flags);
            }

            if (line[pos] != '-' || pos + 1 >= line.Length || line[pos + 1] != '-')
            {
                return (line[pos..], flags);
            }

            var sb = new StringBuilder();
            var quote = '\0';
            var blankOk = false;
            for (; pos < line.Length; pos++)
            {
                var ch = line[pos];
                if (quote == '\0')
                {
                    if (char.IsWhiteSpace(ch))
                    {
                        break;
                    }

                    if (ch is '\'' or '"')
                    {
                        quote = ch;
                        blankOk = true;
                        continue;
                    }
                }
                else if (ch == quote)
                {
                    quote = '\0';
                    continue;
                }

                if (ch == escape)
                {
                    if (pos + 1 == line.Length)
                    {
                        quote = '\0';
                        continue;
                    }

                    pos++;
                    ch = line[pos];
                }

                sb.Append(ch);
            }

            var word = sb.ToString();
            if (word == "--")
            {
                return (line[pos..], flags);
            }

            if (blankOk || word.Length > 0)
            {
                flags.Add(word);
            }
        }
    }

    /// <summary>
    /// Reads a JSON array of strings (exec form). Returns false when the text is not a JSON array
    /// (the caller falls back to shell form); throws <see cref="FormatException"/> when it is a
    /// JSON array holding something other than strings, which Docker refuses.
    /// </summary>
    public static bool TryParseJsonArray(string rest, out List<string> values)
    {
        values = [];
        var text = rest.TrimStart();
        if (!text.StartsWith('['))
        {
            return false;
        }

        JsonDocument doc;
        try
        {
            // Encoding with replacement first: a lone surrogate must not make JSON parsing throw.
            doc = JsonDocument.Parse(Encoding.UTF8.GetBytes(text));
        }
        catch (JsonException)
        {
            return false;
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException("when using JSON array syntax, arrays must be comprised of strings only");
                }

                values.Add(item.GetString()!);
            }
        }

        return true;
    }

    /// <summary>
    /// Removes a trailing line-continuation (the escape character, optionally followed by spaces
    /// or tabs, not itself escaped). Returns whether the logical line ends here.
    /// </summary>
    public static (string Line, bool IsEnd) TrimContinuation(string line, char escape)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end == 0 || line[end - 1] != escape)
        {
            return (line, true);
        }

        if (end == 1)
        {
            return (string.Empty, false);
        }

        if (line[end - 2] == escape)
        {
            return (line, true);
        }

        return (line[..(end - 1)], false);
    }

    public static bool IsComment(string line)
    {
        var t = line.TrimStart();
        return t.Length > 0 && t[0] == '#';
    }

    public static string TrimNewline(string line) => line.TrimEnd('\r', '\n');

    /// <summary>Go's <c>time.ParseDuration</c>: <c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>, <c>0</c>.</summary>
    public static bool TryParseGoDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var s = text;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        decimal totalNs = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == start || !decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            decimal scale = s[unitStart..i] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => -1m,
            };
            if (scale < 0)
            {
                return false;
            }

            totalNs += number * scale;
            if (totalNs > 9_223_372_036_854_775_807m)
            {
                return false;
            }
        }

        var ticks = (long)decimal.Ceiling(totalNs / 100m);
        duration = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }
}
