namespace LayerTools.Core.Containers;

/// <summary>One path that differs between a container and its image, as <c>docker diff</c> prints it.</summary>
public sealed class ContainerChange
{
    /// <summary>Absolute path inside the container ("/etc/motd").</summary>
    public string Path { get; init; } = "/";

    public ChangeKind Kind { get; init; }

    /// <summary>The container's name.</summary>
    public string Container { get; init; } = string.Empty;

    /// <summary>A, C or D, as <c>docker diff</c> marks it.</summary>
    public char Mark => Kind switch
    {
        ChangeKind.Added => 'A',
        ChangeKind.Modified => 'C',
        _ => 'D',
    };

    public override string ToString() => Mark + " " + Path;
}
