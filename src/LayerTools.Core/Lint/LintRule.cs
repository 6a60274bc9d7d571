namespace LayerTools.Core.Lint;

/// <summary>One rule of the Dockerfile checker: its stable id, name, severity, what it checks and the usual fix.</summary>
internal sealed record LintRule(string Id, string Name, FindingSeverity Severity, string Summary, string Fix, bool NeedsImage = false);
