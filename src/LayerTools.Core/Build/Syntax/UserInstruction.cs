namespace LayerTools.Core.Build.Syntax;

/// <summary><c>USER user[:group]</c>.</summary>
internal sealed class UserInstruction : Instruction
{
    public UserInstruction(InstructionSource source, string user)
        : base(source)
    {
        User = user;
    }

    public override InstructionKind Kind => InstructionKind.User;

    public override bool SupportsExpansion => true;

    /// <summary>The argument as written (the rest of the line).</summary>
    public string User { get; }

    public override UserInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, ExpandWord(User, variables));

    protected override IEnumerable<string> ExpandableTexts() => [User];
}
