namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// A here-document attached to RUN, COPY or ADD (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>&lt;&lt;"EOF"</c>).
/// </summary>
/// <param name="Name">The terminator word with quotes removed (<c>EOF</c>); for COPY/ADD also the file name.</param>
/// <param name="Content">The body exactly as read (line endings kept, the terminator line excluded); leading tabs are NOT stripped here, see <see cref="Text"/>.</param>
/// <param name="Expand">False when the word was quoted: the body is then taken literally.</param>
/// <param name="Chomp">True for <c>&lt;&lt;-</c>: leading tabs are stripped from every line.</param>
/// <param name="FileDescriptor">The descriptor before <c>&lt;&lt;</c> (<c>3&lt;&lt;EOF</c>), 0 when none was written.</param>
internal sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp, int FileDescriptor)
{
    /// <summary>The body with leading tabs stripped from every line when <see cref="Chomp"/> is set.</summary>
    public string Text => Chomp ? StripLeadingTabs(Content) : Content;

    private static string StripLeadingTabs(string content)
    {
        var sb = new System.Text.StringBuilder(content.Length);
        var atLineStart = true;
        foreach (var c in content)
        {
            if (atLineStart && c == '\t')
            {
                continue;
            }

            atLineStart = c == '\n';
            sb.Append(c);
        }

        return sb.ToString();
    }
}
