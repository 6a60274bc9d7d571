namespace LayerTools.Core.Build.Syntax;

/// <summary><c>SHELL ["executable", "param"]</c> (JSON form only): the shell used by later shell-form commands.</summary>
internal sealed class ShellInstruction : Instruction
{
    public ShellInstruction(InstructionSource source, IReadOnlyList<string> shell)
        : base(source)
    {
        Shell = shell;
    }

    public override InstructionKind Kind => InstructionKind.Shell;

    public IReadOnlyList<string> Shell { get; }
}
