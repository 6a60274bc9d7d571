namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Where a node of a Dockerfile sits: the file and its 1-based first and last line. The last line
/// differs from the first for instructions continued over several lines and for heredocs.
/// </summary>
internal sealed record SourceLocation(string File, int StartLine, int EndLine)
{
    /// <summary>The text used at the front of error messages: <c>file:line</c>.</summary>
    public override string ToString() => $"{File}:{StartLine}";
}
