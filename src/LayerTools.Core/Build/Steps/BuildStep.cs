namespace LayerTools.Core.Build.Steps;

/// <summary>What one instruction of a build did: whether it came from the cache, and if not, why.</summary>
public sealed class BuildStep
{
    /// <summary>The stage's name, or its index as text when it has none.</summary>
    public string Stage { get; init; } = string.Empty;

    /// <summary>Position of the instruction in its stage, 0 for FROM.</summary>
    public int Index { get; init; }

    /// <summary>Line of the instruction in the Dockerfile (or YAML file).</summary>
    public int Line { get; init; }

    /// <summary>The instruction as written.</summary>
    public string Instruction { get; init; } = string.Empty;

    public bool Cached { get; init; }

    /// <summary>Null when cached; otherwise what changed: a file, a build arg, the parent, or "no cache".</summary>
    public string? CacheMissReason { get; init; }

    /// <summary>The layer the step made; null for a metadata step.</summary>
    public string? LayerDiffId { get; init; }

    /// <summary>Bytes of the layer the step made, 0 for a metadata step.</summary>
    public long Size { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>For FROM: how many of the base's layers were still only in the registry (remote layers, fetched only if a later step reads the stage's files).</summary>
    public int RemoteLayers { get; init; }

    public override string ToString() => Instruction;
}
