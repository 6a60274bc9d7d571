namespace LayerTools.Core.Lint;

/// <summary>
/// One best-practice finding of Test-Dockerfile: which rule, where in the Dockerfile, what is wrong
/// and how to fix it. With an image, also the layer the instruction made and the bytes involved.
/// </summary>
public sealed class DockerfileFinding
{
    /// <summary>The stable rule id (LT001...), as <c># layertools-ignore=</c> and -Rule/-ExcludeRule take it.</summary>
    public string RuleId { get; init; } = string.Empty;

    /// <summary>The rule's short name (e.g. AptListsNotCleaned).</summary>
    public string RuleName { get; init; } = string.Empty;

    public FindingSeverity Severity { get; init; }

    /// <summary>The Dockerfile, as given.</summary>
    public string File { get; init; } = string.Empty;

    /// <summary>1-based line of the instruction the finding is about.</summary>
    public int Line { get; init; }

    /// <summary>The instruction's text (continuation lines joined).</summary>
    public string Instruction { get; init; } = string.Empty;

    public string Message { get; init; } = string.Empty;

    /// <summary>What to change.</summary>
    public string Fix { get; init; } = string.Empty;

    /// <summary>With -Image: the position (0 = base) of the layer the instruction made; null otherwise.</summary>
    public int? Layer { get; init; }

    /// <summary>With -Image: that layer's DiffID.</summary>
    public string? DiffId { get; init; }

    /// <summary>With -Image: the bytes the finding is about (the cache left behind, the bytes wasted).</summary>
    public long? Bytes { get; init; }

    /// <summary>With -Image: the image the finding is grounded in.</summary>
    public string? Image { get; init; }

    public override string ToString() => $"{File}:{Line}: {RuleId} {Message}";
}
