namespace LayerTools.Core.Oci;

/// <summary>The runtime defaults an image carries (the config's <c>config</c> object), as <c>docker inspect</c> shows them.</summary>
public sealed class ContainerConfig
{
    public IReadOnlyList<string> Env { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> ExposedPorts { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Volumes { get; init; } = Array.Empty<string>();

    public string? StopSignal { get; init; }

    public IReadOnlyList<string>? Shell { get; init; }

    /// <summary>The HEALTHCHECK; null when the image has none.</summary>
    public HealthConfig? Healthcheck { get; init; }

    /// <summary>The ONBUILD instructions a build FROM this image runs first, as written ("RUN make").</summary>
    public IReadOnlyList<string> OnBuild { get; init; } = Array.Empty<string>();

    /// <summary>True when Cmd and Entrypoint are already escaped for Windows (Docker's ArgsEscaped); null when the config does not say.</summary>
    public bool? ArgsEscaped { get; init; }

    /// <summary>The config object as it stands in the image's config JSON, every field kept (the ones above and any other).</summary>
    public string Json { get; init; } = "{}";

    /// <summary>The summary the list view shows: Entrypoint, Cmd, WorkingDir, User, Env, Labels, ports, volumes and the healthcheck, the ones set.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Entrypoint is { Count: > 0 })
        {
            parts.Add("Entrypoint=[" + string.Join(", ", Entrypoint) + "]");
        }

        if (Cmd is { Count: > 0 })
        {
            parts.Add("Cmd=[" + string.Join(", ", Cmd) + "]");
        }

        if (!string.IsNullOrEmpty(WorkingDir))
        {
            parts.Add("WorkingDir=" + WorkingDir);
        }

        if (!string.IsNullOrEmpty(User))
        {
            parts.Add("User=" + User);
        }

        if (Env.Count > 0)
        {
            parts.Add("Env=[" + string.Join(", ", Env) + "]");
        }

        if (Labels.Count > 0)
        {
            parts.Add("Labels=[" + string.Join(", ", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "]");
        }

        if (ExposedPorts.Count > 0)
        {
            parts.Add("ExposedPorts=[" + string.Join(", ", ExposedPorts) + "]");
        }

        if (Volumes.Count > 0)
        {
            parts.Add("Volumes=[" + string.Join(", ", Volumes) + "]");
        }

        if (Healthcheck is not null)
        {
            parts.Add("Healthcheck=" + Healthcheck);
        }

        if (OnBuild.Count > 0)
        {
            parts.Add("OnBuild=[" + string.Join(", ", OnBuild) + "]");
        }

        return string.Join("; ", parts);
    }
}
