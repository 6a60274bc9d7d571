namespace LayerTools.Core.Build.Syntax;

/// <summary><c>CMD</c> in exec (JSON) or shell form: the image's default command.</summary>
internal sealed class CmdInstruction : Instruction
{
    public CmdInstruction(InstructionSource source, CommandLine command)
        : base(source)
    {
        Command = command;
    }

    public override InstructionKind Kind => InstructionKind.Cmd;

    public CommandLine Command { get; }
}
