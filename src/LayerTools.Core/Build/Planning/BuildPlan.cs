using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Planning;

/// <summary>
/// What a build of <see cref="Target"/> must do: the stages it needs in the order to build them
/// (file order, the target last), and the values of the global ARGs after build arguments are applied.
/// </summary>
internal sealed class BuildPlan
{
    public BuildPlan(Dockerfile dockerfile, PlannedStage target, IReadOnlyList<PlannedStage> stages, IReadOnlyDictionary<string, string> globalArgs)
    {
        Dockerfile = dockerfile;
        Target = target;
        Stages = stages;
        GlobalArgs = globalArgs;
    }

    public Dockerfile Dockerfile { get; }

    public PlannedStage Target { get; }

    /// <summary>Needed stages in build order; stages the target does not need are absent.</summary>
    public IReadOnlyList<PlannedStage> Stages { get; }

    /// <summary>
    /// Global ARG values (build argument if given, else the expanded default); ARGs declared
    /// without a default and not given are absent. A stage sees one only after re-declaring it
    /// with <c>ARG name</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> GlobalArgs { get; }

    public bool IsNeeded(DockerfileStage stage) => Stages.Any(s => s.Stage.Index == stage.Index);

    public PlannedStage? Find(DockerfileStage stage) => Stages.FirstOrDefault(s => s.Stage.Index == stage.Index);
}
