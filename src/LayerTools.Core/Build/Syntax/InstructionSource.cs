namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// What every instruction carries from the file: the keyword as written, the logical line
/// (continuations joined, comments inside them dropped, as BuildKit's <c>Original</c>), the
/// verbatim source lines (heredoc bodies included), where it is, its flags, and the escape
/// character in force.
/// </summary>
internal sealed record InstructionSource(
    string Keyword,
    string Original,
    string SourceText,
    SourceLocation Location,
    IReadOnlyList<InstructionFlag> Flags,
    char EscapeToken);
