namespace LayerTools.Core.Run;

/// <summary>What a RUN step runs and how: argv (already in exec form, e.g. /bin/sh -c text), environment, directory, user.</summary>
internal sealed class RunRequest
{
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>"KEY=value" strings, in order; PATH gets Docker's default when absent.</summary>
    public IReadOnlyList<string> Environment { get; init; } = Array.Empty<string>();

    /// <summary>Absolute path inside the image; made when it is missing.</summary>
    public string WorkingDirectory { get; init; } = "/";

    /// <summary>"", "name", "uid", "name:group", "uid:gid"; names resolve through the image's /etc/passwd and /etc/group.</summary>
    public string? User { get; init; }

    public string Hostname { get; init; } = "buildkitsandbox";

    /// <summary>Clamp for the mtimes written into the new layer (SOURCE_DATE_EPOCH).</summary>
    public long? SourceDateEpoch { get; init; }

    public ContainerRuntimeKind Runtime { get; init; } = ContainerRuntimeKind.Auto;

    /// <summary>Read-only files under /dev for the command only (a heredoc script at /dev/pipes/&lt;name&gt;).</summary>
    public IReadOnlyList<RunFile> Files { get; init; } = Array.Empty<RunFile>();

    /// <summary>Name of the step, for messages ("Dockerfile:12 RUN ...").</summary>
    public string Where { get; init; } = "RUN";

    /// <summary>Run in a network namespace of its own (RUN --network=none): no network but loopback.</summary>
    public bool IsolateNetwork { get; init; }

    /// <summary>RUN --mount: binds and tmpfs mounts, in the order given (parents before children).</summary>
    public IReadOnlyList<ContainerMount> Mounts { get; init; } = Array.Empty<ContainerMount>();

    /// <summary>
    /// stdout and stderr on one pipe, so lines arrive in exactly the order the command wrote them
    /// (the command's lines then report <see cref="RunOutputLine.IsError"/> false). Two pipes keep the
    /// streams apart, but the order between them is only the order in which their lines were read. The
    /// pipe is made inside the container with the image's /bin/sh (runc copies stdout and stderr through
    /// two pipes of its own); an image without one keeps two pipes.
    /// </summary>
    public bool MergeOutput { get; init; }

    /// <summary>The PATH a Linux command gets when its environment sets none (Docker's and BuildKit's default).</summary>
    public const string DefaultPathValue = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public const string DefaultPath = "PATH=" + DefaultPathValue;
}
