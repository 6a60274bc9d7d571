using LayerTools.Core.Run;

namespace LayerTools.Core.Containers;

/// <summary>How a command run in a container ended (Invoke-ContainerCommand -PassThru).</summary>
public sealed class ContainerCommandResult
{
    /// <summary>The container's name.</summary>
    public string Container { get; init; } = string.Empty;

    public string ContainerId { get; init; } = string.Empty;

    /// <summary>What ran: the given command, or the image's Entrypoint and Cmd.</summary>
    public IReadOnlyList<string> Command { get; init; } = Array.Empty<string>();

    /// <summary>The program's exit code; 128 + n when signal n ended it.</summary>
    public int ExitCode { get; init; }

    /// <summary>The OCI runtime that ran it (runc, else crun).</summary>
    public ContainerRuntimeKind Runtime { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The store the container lives in.</summary>
    public string StorePath { get; init; } = string.Empty;

    public override string ToString() => $"{Container}: exit code {ExitCode}";
}
