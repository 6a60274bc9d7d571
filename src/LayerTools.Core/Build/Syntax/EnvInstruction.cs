namespace LayerTools.Core.Build.Syntax;

/// <summary><c>ENV k=v ...</c> or the legacy <c>ENV k v</c> (the value is the rest of the line).</summary>
internal sealed class EnvInstruction : Instruction
{
    public EnvInstruction(InstructionSource source, IReadOnlyList<KeyValueArgument> variables)
        : base(source)
    {
        Variables = variables;
    }

    public override InstructionKind Kind => InstructionKind.Env;

    public override bool SupportsExpansion => true;

    public IReadOnlyList<KeyValueArgument> Variables { get; }

    /// <summary>
    /// Expands every pair with <paramref name="variables"/> as they were before this instruction
    /// (Docker expands all pairs of one ENV against the same environment).
    /// </summary>
    public override EnvInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, Variables.Select(v => v with { Key = ExpandWord(v.Key, variables), Value = ExpandWord(v.Value, variables) }).ToArray());

    protected override IEnumerable<string> ExpandableTexts() => Variables.SelectMany(l => new[] { l.Key, l.Value });
}
