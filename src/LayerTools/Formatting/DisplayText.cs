using System.Globalization;

namespace LayerTools.Formatting;

/// <summary>The text the table views show: sizes and ages as docker prints them, IDs and commands shortened.</summary>
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

    /// <summary>How long ago, as docker says it: "5 seconds ago", "About an hour ago", "3 weeks ago"; empty when unknown.</summary>
    public static string Ago(DateTimeOffset? when) => when is null ? string.Empty : Ago(when.Value, DateTimeOffset.UtcNow);

    public static string Ago(DateTimeOffset when, DateTimeOffset now)
    {
        var d = now - when;
        if (d < TimeSpan.Zero)
        {
            return when.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
        }

        var seconds = (long)d.TotalSeconds;
        var hours = (long)d.TotalHours;
        string text;
        if (seconds < 1)
        {
            text = "Less than a second";
        }
        else if (seconds == 1)
        {
            text = "1 second";
        }
        else if (seconds < 60)
        {
            text = $"{seconds} seconds";
        }
        else if ((long)d.TotalMinutes == 1)
        {
            text = "About a minute";
        }
        else if (d.TotalMinutes < 60)
        {
            text = $"{(long)d.TotalMinutes} minutes";
        }
        else if (hours == 1)
        {
            text = "About an hour";
        }
        else if (hours < 48)
        {
            text = $"{hours} hours";
        }
        else if (hours < 24 * 7 * 2)
        {
            text = $"{hours / 24} days";
        }
        else if (hours < 24 * 30 * 2)
        {
            text = $"{hours / 24 / 7} weeks";
        }
        else if (hours < 24 * 365 * 2)
        {
            text = $"{hours / 24 / 30} months";
        }
        else
        {
            text = $"{hours / 24 / 365} years";
        }

        return text + " ago";
    }

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

    /// <summary>A one-line, shortened form of a long text (docker history's CREATED BY).</summary>
    public static string Truncate(string? text, int width)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var line = text.ReplaceLineEndings(" ").Replace('\t', ' ');
        return line.Length <= width ? line : line[..(width - 1)] + "…";
    }
}
