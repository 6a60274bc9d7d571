namespace LayerTools.Core.Build.Syntax;

/// <summary><c>VOLUME ["/a", "/b"]</c> or <c>VOLUME /a /b</c>.</summary>
internal sealed class VolumeInstruction : Instruction
{
    public VolumeInstruction(InstructionSource source, IReadOnlyList<string> paths, bool isJson)
        : base(source)
    {
        Paths = paths;
        IsJson = isJson;
    }

    public override InstructionKind Kind => InstructionKind.Volume;

    public override bool SupportsExpansion => true;

    public IReadOnlyList<string> Paths { get; }

    public bool IsJson { get; }

    public override VolumeInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, ExpandAll(Paths, variables), IsJson);

    protected override IEnumerable<string> ExpandableTexts() => Paths;
}
