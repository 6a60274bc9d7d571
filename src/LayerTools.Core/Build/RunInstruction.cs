namespace LayerTools.Core.Build;

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

    protected override IEnumerable<string> ExpandableTexts() =>
        Command.Arguments.Concat(Command.Heredocs.Where(h => h.Expand).Select(h => h.Content));
}
