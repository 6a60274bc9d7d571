namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// <c>ONBUILD &lt;instruction&gt;</c>: recorded in the image config (<see cref="Expression"/>) and run when
/// a later build starts FROM the image. The trigger is parsed and validated now; it is not expanded.
/// </summary>
internal sealed class OnbuildInstruction : Instruction
{
    public OnbuildInstruction(InstructionSource source, Instruction trigger, string expression)
        : base(source)
    {
        Trigger = trigger;
        Expression = expression;
    }

    public override InstructionKind Kind => InstructionKind.Onbuild;

    public Instruction Trigger { get; }

    /// <summary>The trigger's text as stored in the config's <c>OnBuild</c> list (heredoc bodies appended, as BuildKit does).</summary>
    public string Expression { get; }
}
