namespace LayerTools.Core.Oci;

/// <summary>
/// The HEALTHCHECK of an image (the config's <c>Healthcheck</c>), as <c>docker inspect</c> shows it: the
/// test (<c>["CMD-SHELL", "curl -f localhost"]</c>, or <c>["NONE"]</c>) and its timings, which the
/// config holds in nanoseconds and this gives as time spans (null when the image leaves them to the runtime).
/// </summary>
public sealed class HealthConfig
{
    public IReadOnlyList<string> Test { get; init; } = Array.Empty<string>();

    public TimeSpan? Interval { get; init; }

    public TimeSpan? Timeout { get; init; }

    public TimeSpan? StartPeriod { get; init; }

    public TimeSpan? StartInterval { get; init; }

    public int? Retries { get; init; }

    public override string ToString()
    {
        var text = string.Join(" ", Test);
        var timings = new List<string>();
        Add(timings, "interval", Interval);
        Add(timings, "timeout", Timeout);
        Add(timings, "start-period", StartPeriod);
        Add(timings, "start-interval", StartInterval);
        if (Retries is { } retries)
        {
            timings.Add("retries=" + retries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return timings.Count == 0 ? text : text + " (" + string.Join(", ", timings) + ")";
    }

    private static void Add(List<string> timings, string name, TimeSpan? value)
    {
        if (value is { } v)
        {
            timings.Add(name + "=" + v.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s");
        }
    }
}
