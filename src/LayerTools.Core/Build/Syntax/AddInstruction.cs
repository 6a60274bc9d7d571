namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// <c>ADD [--chown] [--chmod] [--link] [--checksum=sha256:...] [--keep-git-dir] [--unpack] [--exclude=p] src... dest</c>:
/// like COPY, plus URLs, git sources, and local tar archives extracted.
/// </summary>
internal sealed class AddInstruction : FileInstruction
{
    public AddInstruction(InstructionSource source, IReadOnlyList<string> sources, IReadOnlyList<Heredoc> contents, string destination, bool isJson)
        : base(source, sources, contents, destination, isJson)
    {
    }

    public override InstructionKind Kind => InstructionKind.Add;

    public string? Checksum => GetFlag("checksum");

    public bool KeepGitDir => IsTrue(GetFlag("keep-git-dir"));

    /// <summary><c>--unpack</c>: null when not written (Docker's default: extract local archives, not URLs).</summary>
    public bool? Unpack => GetFlag("unpack") is { } v ? IsTrue(v) : null;

    public override AddInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(WithExpandedFlags(variables, "chown", "chmod", "checksum"), ExpandAll(Sources, variables), ExpandContents(variables), ExpandWord(Destination, variables), IsJson);
}
