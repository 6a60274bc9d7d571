namespace LayerTools.Core.Build.Syntax;

/// <summary><c>WORKDIR path (relative to the previous WORKDIR)</c>.</summary>
internal sealed class WorkdirInstruction : Instruction
{
    public WorkdirInstruction(InstructionSource source, string path)
        : base(source)
    {
        Path = path;
    }

    public override InstructionKind Kind => InstructionKind.Workdir;

    public override bool SupportsExpansion => true;

    /// <summary>The argument as written (the rest of the line).</summary>
    public string Path { get; }

    public override WorkdirInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, ExpandWord(Path, variables));

    protected override IEnumerable<string> ExpandableTexts() => [Path];
}
