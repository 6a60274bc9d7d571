namespace LayerTools.Core.Build.Syntax;

/// <summary><c>STOPSIGNAL signal</c>.</summary>
internal sealed class StopSignalInstruction : Instruction
{
    public StopSignalInstruction(InstructionSource source, string signal)
        : base(source)
    {
        Signal = signal;
    }

    public override InstructionKind Kind => InstructionKind.StopSignal;

    public override bool SupportsExpansion => true;

    /// <summary>The argument as written (the rest of the line).</summary>
    public string Signal { get; }

    public override StopSignalInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, ExpandWord(Signal, variables));

    protected override IEnumerable<string> ExpandableTexts() => [Signal];
}
