namespace LayerTools.Core.Build.Syntax;

/// <summary><c>MAINTAINER name</c> (deprecated; sets the config's author).</summary>
internal sealed class MaintainerInstruction : Instruction
{
    public MaintainerInstruction(InstructionSource source, string maintainer)
        : base(source)
    {
        Maintainer = maintainer;
    }

    public override InstructionKind Kind => InstructionKind.Maintainer;

    public string Maintainer { get; }
}
