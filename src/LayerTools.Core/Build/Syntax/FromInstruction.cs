namespace LayerTools.Core.Build.Syntax;

/// <summary><c>FROM [--platform=&lt;p&gt;] &lt;image&gt; [AS &lt;name&gt;]</c>: starts a stage.</summary>
internal sealed class FromInstruction : Instruction
{
    public FromInstruction(InstructionSource source, string image, string? stageName, string? platform)
        : base(source)
    {
        Image = image;
        StageName = stageName;
        Platform = platform;
    }

    public override InstructionKind Kind => InstructionKind.From;

    public override bool SupportsExpansion => true;

    /// <summary>The base image as written (<c>scratch</c>, <c>node:${V}</c>, or an earlier stage's name).</summary>
    public string Image { get; }

    /// <summary>The stage name after <c>AS</c>, lower-cased as Docker does; null when none.</summary>
    public string? StageName { get; }

    /// <summary>The <c>--platform</c> value as written; null when absent.</summary>
    public string? Platform { get; }

    /// <summary>Expands the image and platform; Docker uses only the global ARGs (those before the first FROM) here.</summary>
    public override FromInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(WithExpandedFlags(variables, "platform"), ExpandWord(Image, variables), StageName, ExpandOptional(Platform, variables));

    protected override IEnumerable<string> ExpandableTexts() => Platform is null ? [Image] : [Image, Platform];
}
