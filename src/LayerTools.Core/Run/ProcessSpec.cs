namespace LayerTools.Core.Run;

/// <summary>A command ready to start: root file system, argv, environment and identity, all resolved.</summary>
internal sealed record ProcessSpec(
    string RootFs,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<string> Environment,
    string WorkingDirectory,
    int Uid,
    int Gid,
    IReadOnlyList<int> AdditionalGids,
    string Hostname)
{
    /// <summary>Host files bound read-only at container paths under /dev (see <see cref="RunFile"/>).</summary>
    public IReadOnlyList<(string HostPath, string ContainerPath)> Files { get; init; } = Array.Empty<(string, string)>();

    /// <summary>A network namespace of its own (only loopback), as <c>RUN --network=none</c> asks; otherwise the host's network.</summary>
    public bool IsolateNetwork { get; init; }

    /// <summary>RUN --mount mounts, their mount points already made inside the root.</summary>
    public IReadOnlyList<ResolvedMount> Mounts { get; init; } = Array.Empty<ResolvedMount>();

    /// <summary>stdout and stderr on one pipe (see <see cref="RunRequest.MergeOutput"/>).</summary>
    public bool MergeOutput { get; init; }
}
