namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// <c>COPY [--from=stage|index|image] [--chown=u:g] [--chmod=m] [--link] [--parents] [--exclude=p] src... dest</c>.
/// </summary>
internal sealed class CopyInstruction : FileInstruction
{
    public CopyInstruction(InstructionSource source, IReadOnlyList<string> sources, IReadOnlyList<Heredoc> contents, string destination, bool isJson)
        : base(source, sources, contents, destination, isJson)
    {
    }

    public override InstructionKind Kind => InstructionKind.Copy;

    /// <summary>The <c>--from</c> value: a stage name, a stage index, or an image; null for the build context. Never expanded (as in Docker).</summary>
    public string? From => GetFlag("from");

    public bool Parents => IsTrue(GetFlag("parents"));

    /// <summary>Sources, destination, <c>--chown</c>, <c>--chmod</c> and unquoted heredoc bodies expanded.</summary>
    public override CopyInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(WithExpandedFlags(variables, "chown", "chmod"), ExpandAll(Sources, variables), ExpandContents(variables), ExpandWord(Destination, variables), IsJson);
}
