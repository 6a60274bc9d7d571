namespace LayerTools.Core.Build.Syntax;

/// <summary><c>EXPOSE 80 443/tcp 53/udp 8000-8010</c>.</summary>
internal sealed class ExposeInstruction : Instruction
{
    public ExposeInstruction(InstructionSource source, IReadOnlyList<string> ports)
        : base(source)
    {
        Ports = ports;
    }

    public override InstructionKind Kind => InstructionKind.Expose;

    public override bool SupportsExpansion => true;

    /// <summary>The port specifications as written (<c>port[-end][/protocol]</c>).</summary>
    public IReadOnlyList<string> Ports { get; }

    /// <summary>Expands each port; a variable holding several ports yields several entries, as in Docker.</summary>
    public override ExposeInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, Ports.SelectMany(p => Expander.ExpandWords(p, variables, Location, Name)).ToArray());

    protected override IEnumerable<string> ExpandableTexts() => Ports;
}
