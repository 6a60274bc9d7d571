using System.Globalization;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Recognises the heredoc openers of a line (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>, <c>3&lt;&lt;"EOF"</c>)
/// the way BuildKit lexes them; the bodies are read by <see cref="Parsing.DockerfileParser"/>.
/// </summary>
internal static partial class HeredocParser
{
    /// <summary>The heredocs a line opens, in order (content still empty).</summary>
    public static List<Heredoc> HeredocsFromLine(string line, SourceLocation where)
    {
        IReadOnlyList<string> words;
        try
        {
            words = new VariableExpander('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetVariables = true }.ExpandWords(line, null);
        }
        catch (LayerToolsException)
        {
            return [];
        }

        var docs = new List<Heredoc>();
        foreach (var word in words)
        {
            if (ParseWord(word, where) is { } doc)
            {
                docs.Add(doc);
            }
        }

        return docs;
    }

    /// <summary>Recognises <c>[n]&lt;&lt;[-]WORD</c>; null when <paramref name="word"/> is not a heredoc opener.</summary>
    public static Heredoc? ParseWord(string word, SourceLocation where)
    {
        var match = HeredocPattern().Match(word);
        if (!match.Success || match.Groups[3].Length == 0)
        {
            return null;
        }

        var rest = match.Groups[3].Value;
        var plain = new VariableExpander('\\') { SkipUnsetVariables = true }.ExpandWords(rest, null, where);
        if (plain.Count != 1)
        {
            return null;
        }

        var raw = new VariableExpander('\\') { SkipUnsetVariables = true, RawQuotes = true }.ExpandWords(rest, null, where);
        if (raw.Count != 1)
        {
            throw DockerfileError.At(where, $"internal lexing of heredoc produced inconsistent results: {rest}");
        }

        static int Quotes(string s) => s.Count(c => c is '\'' or '"');
        var fd = int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new Heredoc(plain[0], string.Empty, Quotes(plain[0]) == Quotes(raw[0]), match.Groups[2].Value == "-", fd);
    }

    [GeneratedRegex(@"^(\d*)<<(-?)\s*([^<]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeredocPattern();
}
