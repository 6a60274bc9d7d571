namespace LayerTools.Core.Build.Syntax;

/// <summary>One build stage: its FROM, its position, its optional name, and the instructions after the FROM.</summary>
internal sealed class DockerfileStage
{
    public DockerfileStage(int index, FromInstruction from, IReadOnlyList<Instruction> instructions)
    {
        Index = index;
        From = from;
        Instructions = instructions;
    }

    /// <summary>0-based position of the stage in the file (what <c>COPY --from=0</c> refers to).</summary>
    public int Index { get; }

    /// <summary>The lower-cased name after <c>AS</c>, or null.</summary>
    public string? Name => From.StageName;

    /// <summary>The name, or <c>stage-N</c> as BuildKit shows unnamed stages.</summary>
    public string DisplayName => Name ?? $"stage-{Index}";

    public FromInstruction From { get; }

    /// <summary>The instructions after the FROM, in order (the FROM itself excluded).</summary>
    public IReadOnlyList<Instruction> Instructions { get; }

    public SourceLocation Location => From.Location;

    public override string ToString() => DisplayName;
}
