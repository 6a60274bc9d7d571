using System.Text;

namespace LayerTools.Core.Build.Syntax;

/// <summary>The <c>created_by</c> text of a history record, as BuildKit writes it.</summary>
internal static class HistoryText
{
    public const string Comment = "buildkit.dockerfile.v0";

    /// <summary>Go's <c>%q</c> of a string slice: <c>["npm" "start"]</c>.</summary>
    public static string GoList(IEnumerable<string> values)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var v in values)
        {
            if (!first)
            {
                sb.Append(' ');
            }

            first = false;
            sb.Append('"').Append(v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.Append(']').ToString();
    }

    /// <summary>
    /// BuildKit's <c>HEALTHCHECK %q</c> of the config's health check:
    /// <c>HEALTHCHECK &amp;{["CMD-SHELL" "curl -f x"] "30s" "5s" "0s" "0s" '\x03'}</c>.
    /// </summary>
    public static string Healthcheck(HealthcheckInstruction health) =>
        "HEALTHCHECK &{" + GoList(health.Test) + " " + string.Join(' ', new[] { health.Interval, health.Timeout, health.StartPeriod, health.StartInterval }.Select(d => "\"" + GoDuration(d) + "\""))
        + " " + GoRune(health.Retries ?? 0) + "}";

    /// <summary>Go's <c>time.Duration.String()</c>: "0s", "500ms", "1.5s", "1m30s", "1h0m0s".</summary>
    public static string GoDuration(TimeSpan? value)
    {
        var ns = (value?.Ticks ?? 0) * 100;
        if (ns == 0)
        {
            return "0s";
        }

        var negative = ns < 0;
        var u = (ulong)Math.Abs(ns);
        string text;
        if (u < 1_000_000_000)
        {
            text = u < 1_000 ? Fraction(u, 1, 0) + "ns" : u < 1_000_000 ? Fraction(u, 1_000, 3) + "µs" : Fraction(u, 1_000_000, 6) + "ms";
        }
        else
        {
            var seconds = u / 1_000_000_000;
            var secondsText = Fraction((seconds % 60 * 1_000_000_000) + (u % 1_000_000_000), 1_000_000_000, 9) + "s";
            var hours = seconds / 3600;
            var minutes = seconds / 60 % 60;
            text = hours > 0 ? $"{hours}h{minutes}m{secondsText}" : minutes > 0 ? $"{minutes}m{secondsText}" : secondsText;
        }

        return negative ? "-" + text : text;
    }

    /// <summary>Go's <c>%q</c> of an int: a quoted rune literal ('\x03', 'A', '\n').</summary>
    public static string GoRune(int value) => value switch
    {
        7 => "'\\a'",
        8 => "'\\b'",
        9 => "'\\t'",
        10 => "'\\n'",
        11 => "'\\v'",
        12 => "'\\f'",
        13 => "'\\r'",
        39 => "'\\''",
        92 => "'\\\\'",
        >= 0 and < 32 or 127 => "'\\x" + value.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + "'",
        >= 32 and < 127 => "'" + (char)value + "'",
        _ => "'\\u" + value.ToString("x4", System.Globalization.CultureInfo.InvariantCulture) + "'",
    };

    private static string Fraction(ulong value, ulong unit, int digits)
    {
        var whole = (value / unit).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (digits == 0 || value % unit == 0)
        {
            return whole;
        }

        return whole + "." + (value % unit).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

    public static string Run(IReadOnlyList<string> argv) => "RUN " + string.Join(' ', argv) + " # buildkit";

    /// <summary>An instruction's text without its keyword ("COPY package.json ." → "package.json .").</summary>
    public static string Arguments(Instruction instruction)
    {
        var text = instruction.Original.Trim();
        var space = text.IndexOfAny(new[] { ' ', '\t' });
        return space < 0 ? string.Empty : text[(space + 1)..].Trim();
    }
}
