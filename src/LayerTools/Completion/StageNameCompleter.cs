using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using LayerTools.Core;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Completion;

/// <summary>Completes -Target with the stage names of the Dockerfile the command line names (or ./Dockerfile).</summary>
public sealed class StageNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        var context = fakeBoundParameters["Path"] as string ?? ".";
        var file = fakeBoundParameters["File"] as string ?? System.IO.Path.Combine(context, "Dockerfile");
        IReadOnlyList<string> names;
        try
        {
            names = BuildFile.Load(System.IO.Path.GetFullPath(file), System.IO.Path.GetFileName(file)).Stages.Where(s => s.Name is not null).Select(s => s.Name!).ToList();
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
