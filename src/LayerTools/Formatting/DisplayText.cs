using System.Globalization;

namespace LayerTools.Formatting;

/// <summary>The text the table views show: sizes and ages as docker prints them, short IDs, long texts on one line (the views wrap them, never cut).</summary>
public static class DisplayText
{
    private static readonly string[] Units = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

    /// <summary>A byte count in decimal units with three significant digits: 0B, 977kB, 12.3MB, 1.23GB.</summary>
    public static string Size(long bytes)
    {
        if (bytes < 0)
        {
            return "-" + Size(-bytes);
        }

        double value = bytes;
        var unit = 0;
        while (unit < Units.Length - 1 && Math.Round(value, MidpointRounding.AwayFromZero) >= 999.5)
        {
            value /= 1000;
            unit++;
        }

        var digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
        var rounded = Math.Round(value, digits, MidpointRounding.AwayFromZero);
        if (rounded >= 1000 && unit < Units.Length - 1)
        {
            rounded = Math.Round(rounded / 1000, 2, MidpointRounding.AwayFromZero);
            unit++;
        }

        return rounded.ToString("0.##", CultureInfo.InvariantCulture) + Units[unit];
    }

    /// <summary>A 0..1 ratio as a percentage with up to two decimals, rounded down so that only 1 shows as 100%: 0.99996 → 99.99%.</summary>
    public static string Percent(double ratio)
    {
        if (double.IsNaN(ratio))
        {
            return string.Empty;
        }

        var hundredths = Math.Floor((ratio * 10_000) + 1e-6) / 100;
        return hundredths.ToString("0.##", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>How long ago, short enough for a 13-character column: "just now", "42 sec ago", "2 min ago", "1 hour ago", "3 weeks ago", "11 months ago"; empty when unknown.</summary>
    public static string Ago(DateTimeOffset? when) => when is null ? string.Empty : Ago(when.Value, DateTimeOffset.UtcNow);

    public static string Ago(DateTimeOffset when, DateTimeOffset now)
    {
        var d = now - when;
        if (d < TimeSpan.Zero)
        {
            // A time in the future (a clock set wrong somewhere): the date itself, never "ago".
            return when.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        }

        var seconds = (long)d.TotalSeconds;
        var minutes = (long)d.TotalMinutes;
        var hours = (long)d.TotalHours;
        var days = (long)d.TotalDays;
        return seconds switch
        {
            < 1 => "just now",
            < 60 => Count(seconds, "sec", "sec"),
            _ when minutes < 60 => Count(minutes, "min", "min"),
            _ when hours < 48 => Count(hours, "hour", "hours"),
            _ when days < 14 => Count(days, "day", "days"),
            _ when days < 60 => Count(days / 7, "week", "weeks"),
            _ when days < 730 => Count(days / 30, "month", "months"),
            _ => Count(days / 365, "year", "years"),
        };
    }

    private static string Count(long n, string one, string many) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many) + " ago";

    /// <summary>The 12 hex digits Docker shows for a digest; the text as it is for anything else.</summary>
    public static string ShortDigest(string? digest)
    {
        if (string.IsNullOrEmpty(digest))
        {
            return string.Empty;
        }

        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var hex = colon >= 0 ? digest[(colon + 1)..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    /// <summary>A long text on one line, whole (a table row wraps it): line breaks and tabs become spaces.</summary>
    public static string OneLine(string? text) => string.IsNullOrEmpty(text) ? string.Empty : text.ReplaceLineEndings(" ").Replace('\t', ' ');
}
