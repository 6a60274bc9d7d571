using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Lint;

/// <summary>
/// The findings of one check: a finding is kept only when its rule is enabled and no
/// <c># layertools-ignore=</c> comment silences it, and is grounded in the layer its instruction made
/// when the check has an image. Hands them out sorted by line, then rule.
/// </summary>
internal sealed class FindingCollector
{
    private readonly string _file;
    private readonly IgnoreComments _ignore;
    private readonly HashSet<string> _enabled;
    private readonly LayerMap? _layers;
    private readonly List<DockerfileFinding> _findings = new();

    public FindingCollector(string file, IgnoreComments ignore, HashSet<string> enabled, LayerMap? layers)
    {
        _file = file;
        _ignore = ignore;
        _enabled = enabled;
        _layers = layers;
    }

    /// <summary>Whether <paramref name="rule"/> runs in this check.</summary>
    public bool IsEnabled(LintRule rule) => _enabled.Contains(rule.Id);

    /// <summary>Adds a finding of <paramref name="rule"/> on <paramref name="instruction"/>; <paramref name="bytes"/> count only when it is grounded in a layer.</summary>
    public void Report(LintRule rule, Instruction instruction, string message, long? bytes = null)
    {
        if (!_enabled.Contains(rule.Id) || _ignore.IsIgnored(rule.Id, instruction.Location.StartLine))
        {
            return;
        }

        int? layer = null;
        string? diffId = null;
        if (_layers is not null && _layers.TryGet(instruction, out var l, out var d))
        {
            layer = l;
            diffId = d;
        }

        _findings.Add(new DockerfileFinding
        {
            RuleId = rule.Id,
            RuleName = rule.Name,
            Severity = rule.Severity,
            File = _file,
            Line = instruction.Location.StartLine,
            Instruction = instruction.Original,
            Message = message,
            Fix = rule.Fix,
            Layer = layer,
            DiffId = diffId,
            Bytes = layer is null ? null : bytes,
            Image = layer is null ? null : _layers!.Label,
        });
    }

    /// <summary>The findings, by line, then rule id.</summary>
    public IReadOnlyList<DockerfileFinding> Sorted() =>
        _findings
            .OrderBy(f => f.Line)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ToList();
}
