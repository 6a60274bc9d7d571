using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Planning;

/// <summary>
/// A stage the build needs, with its FROM resolved: the base image name after global-ARG
/// substitution (or the earlier stage it builds on) and the stages and images its
/// <c>COPY --from</c> and <c>RUN --mount=from=</c> read.
/// </summary>
internal sealed class PlannedStage
{
    public PlannedStage(DockerfileStage stage, string baseImage, string? platform, DockerfileStage? baseStage, IReadOnlyList<DockerfileStage> dependencies, IReadOnlyList<string> externalImages, IReadOnlySet<string> usedGlobalArgs)
    {
        Stage = stage;
        BaseImage = baseImage;
        Platform = platform;
        BaseStage = baseStage;
        Dependencies = dependencies;
        ExternalImages = externalImages;
        UsedGlobalArgs = usedGlobalArgs;
    }

    public DockerfileStage Stage { get; }

    /// <summary>The FROM image after substitution (<c>node:20</c>, <c>scratch</c>); the stage name when <see cref="BaseStage"/> is set.</summary>
    public string BaseImage { get; }

    /// <summary>The <c>--platform</c> value after substitution; null when absent.</summary>
    public string? Platform { get; }

    /// <summary>The earlier stage this one starts from (<c>FROM build</c>); null when it starts from an image.</summary>
    public DockerfileStage? BaseStage { get; }

    /// <summary>Every earlier stage this one needs (base stage, <c>COPY --from</c>, <c>RUN --mount=from=</c>), by index.</summary>
    public IReadOnlyList<DockerfileStage> Dependencies { get; }

    /// <summary>Images named by <c>COPY --from=&lt;image&gt;</c> or a mount's <c>from=</c> that are not stages.</summary>
    public IReadOnlyList<string> ExternalImages { get; }

    /// <summary>The global ARG names the FROM line used (for the cache and for "unused build arg" warnings).</summary>
    public IReadOnlySet<string> UsedGlobalArgs { get; }

    public override string ToString() => $"{Stage.DisplayName} (FROM {BaseImage})";
}
