namespace LayerTools.Core.Build.Syntax;

/// <summary><c>RUN [--mount=...] [--network=...] [--security=...] command</c> in shell or exec form, with optional heredocs.</summary>
internal sealed class RunInstruction : Instruction
{
    public RunInstruction(InstructionSource source, CommandLine command)
        : base(source)
    {
        Command = command;
    }

    public override InstructionKind Kind => InstructionKind.Run;

    public CommandLine Command { get; }

    /// <summary>The <c>--mount</c> specifications as written (comma-separated key=value lists).</summary>
    public IReadOnlyList<string> Mounts => Flags.Where(f => f.Name == "mount" && f.Value is not null).Select(f => f.Value!).ToArray();

    /// <summary>The <c>--mount</c> flags parsed, each value expanded with <paramref name="variables"/> (BuildKit expands them, unlike the command).</summary>
    public IReadOnlyList<RunMount> ParseMounts(IReadOnlyDictionary<string, string> variables) =>
        Mounts.Select(m => RunMount.Parse(m, v => ExpandWord(v, variables), Location.ToString())).ToArray();

    /// <summary><c>--network</c>: default, none or host; null when absent.</summary>
    public string? Network => GetFlag("network");

    /// <summary><c>--security</c>: sandbox or insecure; null when absent.</summary>
    public string? Security => GetFlag("security");

    /// <summary>The stage names or images that <c>--mount=...,from=&lt;x&gt;</c> reads from.</summary>
    public IReadOnlyList<string> MountSources
    {
        get
        {
            var sources = new List<string>();
            foreach (var mount in Mounts)
            {
                foreach (var part in mount.Split(','))
                {
                    var eq = part.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0 && string.Equals(part[..eq].Trim(), "from", StringComparison.OrdinalIgnoreCase))
                    {
                        sources.Add(part[(eq + 1)..].Trim());
                    }
                }
            }

            return sources;
        }
    }

    /// <summary>
    /// The argv to run with <paramref name="shell"/> (SHELL, default <c>/bin/sh -c</c>), heredocs
    /// applied as BuildKit does: <c>RUN &lt;&lt;EOF</c> alone runs the body with the shell (or, when the
    /// body starts with <c>#!</c>, as a script file at <c>/dev/pipes/EOF</c>); any other command with
    /// heredocs goes to the shell with the bodies appended after it, so the shell reads them.
    /// </summary>
    public RunInvocation ToInvocation(IReadOnlyList<string> shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var docs = Command.Heredocs;
        if (docs.Count == 0 || Command.IsExecForm || Command.Arguments.Count != 1)
        {
            return new RunInvocation(Command.ToArgv(shell), null, null);
        }

        var text = Command.Arguments[0];
        if (InstructionParser.ParseHeredocWord(text, Location) is not null)
        {
            var data = docs[0].Text;
            if (data.StartsWith("#!", StringComparison.Ordinal))
            {
                var path = "/dev/pipes/" + docs[0].Name;
                return new RunInvocation([.. shell, path], path, data);
            }

            return new RunInvocation([.. shell, data], null, null);
        }

        var full = new System.Text.StringBuilder(text);
        foreach (var doc in docs)
        {
            full.Append('\n').Append(doc.Content).Append(doc.Name);
        }

        return new RunInvocation([.. shell, full.ToString()], null, null);
    }

    protected override IEnumerable<string> ExpandableTexts() =>
        Command.Arguments.Concat(Command.Heredocs.Where(h => h.Expand).Select(h => h.Content));
}
