namespace LayerTools.Core.Build.Syntax;

/// <summary><c>LABEL k=v ...</c> (or the legacy <c>LABEL k v</c>).</summary>
internal sealed class LabelInstruction : Instruction
{
    public LabelInstruction(InstructionSource source, IReadOnlyList<KeyValueArgument> labels)
        : base(source)
    {
        Labels = labels;
    }

    public override InstructionKind Kind => InstructionKind.Label;

    public override bool SupportsExpansion => true;

    public IReadOnlyList<KeyValueArgument> Labels { get; }

    public override LabelInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, Labels.Select(l => l with { Key = ExpandWord(l.Key, variables), Value = ExpandWord(l.Value, variables) }).ToArray());

    protected override IEnumerable<string> ExpandableTexts() => Labels.SelectMany(l => new[] { l.Key, l.Value });
}
