namespace LayerTools.Core.Analysis;

/// <summary>A path whose bytes an image carries in lower layers but no longer shows (overwritten, deleted or duplicated).</summary>
public sealed class WastedPath
{
    /// <summary>
    /// Absolute path inside the image. For files hidden by deleting or replacing a directory, the directory
    /// (so <c>rm -rf /var/lib/apt/lists</c> shows as one path). Named LayerPath, not Path, so that
    /// PowerShell never binds it to a cmdlet's -Path and names the host's file of the same path.
    /// </summary>
    public string LayerPath { get; init; } = "/";

    /// <summary>Bytes of the copies that the final image no longer shows.</summary>
    public long WastedBytes { get; init; }

    /// <summary>How many layers hold or hide the path (as dive counts them).</summary>
    public int Count => LayerIndexes.Count;

    /// <summary>Positions (0 = base) of the layers that hold a lost copy or overwrite or delete it.</summary>
    public IReadOnlyList<int> LayerIndexes { get; init; } = Array.Empty<int>();

    /// <summary>The DiffIDs of those layers, in the same order.</summary>
    public IReadOnlyList<string> DiffIds { get; init; } = Array.Empty<string>();

    /// <summary>True when the path is gone from the final image (deleted), false when an upper copy replaced it.</summary>
    public bool Removed { get; init; }

    /// <summary>The image analysed.</summary>
    public string Image { get; init; } = string.Empty;

    public override string ToString() => LayerPath;
}
