namespace LayerTools.Core.Containers;

/// <summary>What Invoke-ContainerCommand runs: each field, when null or empty, comes from the image's config.</summary>
internal sealed class ContainerCommandRequest
{
    /// <summary>The program and its arguments (exec form); empty: the image's Entrypoint followed by its Cmd.</summary>
    public IReadOnlyList<string> Command { get; init; } = Array.Empty<string>();

    /// <summary>"name", "uid", "name:group" or "uid:gid" in the container's /etc/passwd and /etc/group; null: the image's User, else root.</summary>
    public string? User { get; init; }

    /// <summary>An absolute path in the container; null: the image's WorkingDir, else /. Made when missing, as Docker does.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set over the image's Env (a name the image sets takes this value).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>stderr on the stdout pipe: every line in the order written, none marked as stderr.</summary>
    public bool MergeOutput { get; init; }
}
