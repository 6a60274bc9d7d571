namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// The command of RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD. In exec (JSON) form <see cref="Arguments"/>
/// is the array; in shell form it holds one element, the command text as written (the shell expands
/// variables, the builder does not) — or none when nothing was written.
/// </summary>
internal sealed class CommandLine
{
    public CommandLine(bool isExecForm, IReadOnlyList<string> arguments, IReadOnlyList<Heredoc>? heredocs = null)
    {
        IsExecForm = isExecForm;
        Arguments = arguments;
        Heredocs = heredocs ?? [];
    }

    /// <summary>True for the JSON form <c>["executable", "param"]</c>: no shell is prepended.</summary>
    public bool IsExecForm { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Here-documents that follow the instruction (RUN only).</summary>
    public IReadOnlyList<Heredoc> Heredocs { get; }

    /// <summary>
    /// The argv Docker stores for this command given the stage's shell (SHELL, default
    /// <c>/bin/sh -c</c>): exec form as is, shell form as <c>shell + [text]</c>.
    /// </summary>
    public IReadOnlyList<string> ToArgv(IReadOnlyList<string> shell)
    {
        if (IsExecForm)
        {
            return Arguments;
        }

        var argv = new List<string>(shell);
        if (Arguments.Count > 0)
        {
            argv.Add(string.Join(' ', Arguments));
        }

        return argv;
    }

    public override string ToString() =>
        IsExecForm ? "[" + string.Join(", ", Arguments.Select(a => System.Text.Json.JsonSerializer.Serialize(a))) + "]" : string.Join(' ', Arguments);
}
