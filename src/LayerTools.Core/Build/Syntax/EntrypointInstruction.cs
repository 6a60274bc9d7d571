namespace LayerTools.Core.Build.Syntax;

/// <summary><c>ENTRYPOINT</c> in exec (JSON) or shell form.</summary>
internal sealed class EntrypointInstruction : Instruction
{
    public EntrypointInstruction(InstructionSource source, CommandLine command)
        : base(source)
    {
        Command = command;
    }

    public override InstructionKind Kind => InstructionKind.Entrypoint;

    public CommandLine Command { get; }
}
