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

        return string.Join("; ", parts);
    }
}
