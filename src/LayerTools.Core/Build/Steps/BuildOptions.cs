namespace LayerTools.Core.Build.Steps;

/// <summary>What Build-LayeredImage was asked to do.</summary>
internal sealed class BuildOptions
{
    /// <summary>The build context folder.</summary>
    public required string ContextPath { get; init; }

    /// <summary>The Dockerfile (or build.yaml); default &lt;context&gt;/Dockerfile.</summary>
    public string? File { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();

    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    public string? Target { get; init; }

    public bool NoCache { get; init; }

    /// <summary>Write each step's cache key into the image's config (inline cache), so the image can serve as a cache source elsewhere. It changes the image ID, so it is asked for (Build-LayeredImage -Push does).</summary>
    public bool InlineCache { get; init; }

    /// <summary>Images (in the store, or pulled from a registry) whose inline cache seeds the build cache (--cache-from).</summary>
    public IReadOnlyList<string> CacheFrom { get; init; } = Array.Empty<string>();

    /// <summary>Pull every FROM image that names a registry again, even when the store has it (docker build --pull).</summary>
    public bool Pull { get; init; }

    /// <summary>RUN --mount=type=secret: secret id → host file holding its value (never in a layer or a key).</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>SOURCE_DATE_EPOCH: clamps file times and sets every created time, for reproducible builds.</summary>
    public long? SourceDateEpoch { get; init; }

    /// <summary>Labels added to the final image, as --label does.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Which runtime RUN uses: runc or crun by default; unshare only when named.</summary>
    public Run.ContainerRuntimeKind Runtime { get; init; } = Run.ContainerRuntimeKind.Auto;

    /// <summary>A step starts or ends.</summary>
    public IProgress<OperationProgress>? Progress { get; init; }

    /// <summary>A line of the build log (<see cref="BuildLog"/>): steps as they start and end, and what RUN commands print.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Whether someone reads the log as it comes (the console): a failing RUN's error then leaves out the
    /// command's last lines, which were just shown under its step; without, the error carries them.
    /// </summary>
    public bool LogShown { get; init; }

    /// <summary>Why a step was or was not taken from the cache, and what was read.</summary>
    public Action<string>? Verbose { get; init; }

    /// <summary>A finished step.</summary>
    public Action<BuildStep>? StepCompleted { get; init; }
}
