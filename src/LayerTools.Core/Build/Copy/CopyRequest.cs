namespace LayerTools.Core.Build.Copy;

/// <summary>A COPY (or ADD of local files) with its words already expanded.</summary>
internal sealed class CopyRequest
{
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>--exclude patterns (.dockerignore syntax, matched against source paths): what matches is not copied.</summary>
    public IReadOnlyList<string> Excludes { get; init; } = Array.Empty<string>();

    public required string Destination { get; init; }

    /// <summary>The stage's WORKDIR, for a relative destination.</summary>
    public string WorkingDir { get; init; } = "/";

    /// <summary>--chown, resolved to numbers; null keeps the source's owner (0:0 for the context).</summary>
    public (int Uid, int Gid)? Owner { get; init; }

    /// <summary>--chmod as permission bits; null keeps the source's mode.</summary>
    public int? Mode { get; init; }

    /// <summary>The Dockerfile location, for messages ("Dockerfile:7").</summary>
    public string Where { get; init; } = string.Empty;
}
