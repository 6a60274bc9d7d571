using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using LayerTools.Core.Lint;

namespace LayerTools.Completion;

/// <summary>Completes -Rule and -ExcludeRule of Test-Dockerfile with the rule ids, the rule's name and summary as tooltip.</summary>
public sealed class RuleIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        foreach (var rule in LintRules.All)
        {
            if (rule.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase) || rule.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(rule.Id, $"{rule.Id} {rule.Name}", CompletionResultType.ParameterValue, rule.Summary);
            }
        }
    }
}
