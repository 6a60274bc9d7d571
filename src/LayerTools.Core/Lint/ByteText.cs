using System.Globalization;

namespace LayerTools.Core.Lint;

/// <summary>Byte counts in finding messages: decimal units as docker prints them (40 MB, 1.05 MB, 512 B).</summary>
internal static class ByteText
{
    private static readonly string[] Units = { "B", "kB", "MB", "GB", "TB" };

    public static string Of(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (unit < Units.Length - 1 && value >= 1000)
        {
            value /= 1000;
            unit++;
        }

        var format = unit == 0 || value >= 100 ? "0" : value >= 10 ? "0.#" : "0.##";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
