namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// <c>HEALTHCHECK [--interval=d] [--timeout=d] [--start-period=d] [--start-interval=d] [--retries=n] CMD command</c>
/// or <c>HEALTHCHECK NONE</c>. Durations use Go's syntax (<c>30s</c>, <c>1m30s</c>); a zero or absent value means "inherit".
/// </summary>
internal sealed class HealthcheckInstruction : Instruction
{
    public HealthcheckInstruction(
        InstructionSource source,
        CommandLine? command,
        TimeSpan? interval,
        TimeSpan? timeout,
        TimeSpan? startPeriod,
        TimeSpan? startInterval,
        int? retries)
        : base(source)
    {
        Command = command;
        Interval = interval;
        Timeout = timeout;
        StartPeriod = startPeriod;
        StartInterval = startInterval;
        Retries = retries;
    }

    public override InstructionKind Kind => InstructionKind.Healthcheck;

    /// <summary>True for <c>HEALTHCHECK NONE</c> (disables any inherited check).</summary>
    public bool IsNone => Command is null;

    /// <summary>The check command; null for NONE.</summary>
    public CommandLine? Command { get; }

    public TimeSpan? Interval { get; }

    public TimeSpan? Timeout { get; }

    public TimeSpan? StartPeriod { get; }

    public TimeSpan? StartInterval { get; }

    public int? Retries { get; }

    /// <summary>The config's <c>Healthcheck.Test</c>: <c>["NONE"]</c>, <c>["CMD", args...]</c> or <c>["CMD-SHELL", text]</c>.</summary>
    public IReadOnlyList<string> Test =>
        Command is null ? ["NONE"] : Command.IsExecForm ? ["CMD", .. Command.Arguments] : ["CMD-SHELL", .. Command.Arguments];
}
