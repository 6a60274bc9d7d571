namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// How a RUN step is executed, resolved as BuildKit does: the argv, and for a lone heredoc that
/// starts with <c>#!</c> a script file to place (mode 0755, read-only) at <see cref="ScriptPath"/>.
/// </summary>
/// <param name="Argv">The process arguments, shell already prepended for the shell form.</param>
/// <param name="ScriptPath">Where the script must be mounted (<c>/dev/pipes/&lt;name&gt;</c>); null when none.</param>
/// <param name="ScriptContent">The script's content; null when none.</param>
internal sealed record RunInvocation(IReadOnlyList<string> Argv, string? ScriptPath, string? ScriptContent);
