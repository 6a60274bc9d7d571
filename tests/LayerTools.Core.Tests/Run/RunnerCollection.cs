namespace LayerTools.Core.Tests.Run;

/// <summary>Tests that mount, run containers or flip the runner's process-wide switches run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunnerCollection
{
    public const string Name = "Runner";
}
