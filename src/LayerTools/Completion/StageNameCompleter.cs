using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using LayerTools.Core;
using LayerTools.Core.Build.Parsing;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Completion;

/// <summary>
/// Completes -Target with the stage names of the Dockerfile the command line names (-File, else
/// &lt;context&gt;/Dockerfile, the context being -Path or the current folder), paths read from PowerShell's
/// current location as the cmdlet reads them.
/// </summary>
public sealed class StageNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var context = CompletionLocation.HostPath(fakeBoundParameters["Path"] ?? ".");
        var file = fakeBoundParameters["File"] is { } given
            ? CompletionLocation.HostPath(given)
            : context is null ? null : System.IO.Path.Combine(context, "Dockerfile");
        if (file is null)
        {
            yield break;
        }

        IReadOnlyList<string> names;
        try
        {
            names = BuildFile.Load(file, System.IO.Path.GetFileName(file)).Stages.Where(s => s.Name is not null).Select(s => s.Name!).ToList();
        }
        catch (LayerToolsException)
        {
            yield break;
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var name in names.Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, name);
        }
    }
}
