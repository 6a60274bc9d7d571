using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace LayerTools.Provider;

/// <summary>Completes -Encoding on LayerTools drives with the names the FileSystem drive takes.</summary>
public sealed class EncodingNameCompleter : IArgumentCompleter
{
    private static readonly string[] Names = { "ascii", "bigendianunicode", "bigendianutf32", "Byte", "latin1", "unicode", "utf32", "utf8", "utf8BOM", "utf8NoBOM" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        foreach (var name in Names)
        {
            if (name.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(name);
            }
        }
    }
}
