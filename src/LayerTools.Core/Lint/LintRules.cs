namespace LayerTools.Core.Lint;

/// <summary>The rules of the Dockerfile checker, by stable id. Ids never change meaning; retired ids are not reused.</summary>
internal static class LintRules
{
    public static readonly LintRule AptUpdateAlone = new("LT001", "AptUpdateWithoutInstall", FindingSeverity.Warning,
        "apt-get update runs in a RUN without apt-get install: the cached update layer goes stale and later installs use old package lists.",
        "Run apt-get update && apt-get install -y ... in the same RUN.");

    public static readonly LintRule PackageCacheLeft = new("LT002", "PackageCacheNotCleaned", FindingSeverity.Warning,
        "A RUN installs packages and leaves the package manager's lists or cache in the layer.",
        "End the same RUN with rm -rf /var/lib/apt/lists/* (apt), yum clean all / dnf clean all, or use apk add --no-cache.");

    public static readonly LintRule ContextBeforeInstall = new("LT003", "ContextCopiedBeforeInstall", FindingSeverity.Warning,
        "The whole build context is copied before a step that installs system packages: every source change reruns the install.",
        "Move the package install RUN above the COPY . (rarely-changing steps first).");

    public static readonly LintRule ManifestNotFirst = new("LT004", "DependencyManifestNotCopiedFirst", FindingSeverity.Warning,
        "Dependencies are installed after the whole context is copied, without the manifest (package.json, requirements.txt, go.mod...) copied first: every source change reinstalls them.",
        "COPY the manifest and lock file alone, RUN the install, then COPY the rest of the source.");

    public static readonly LintRule ThinDockerignore = new("LT005", "DockerignoreMissingEntries", FindingSeverity.Warning,
        "The build context holds folders that do not belong in an image (node_modules, .git, build outputs) and no .dockerignore excludes them.",
        "Add them to .dockerignore next to the Dockerfile.");

    public static readonly LintRule ConsecutiveRun = new("LT006", "ConsecutiveRun", FindingSeverity.Info,
        "Two RUN instructions follow each other: each makes a layer, and files the second deletes still weigh in the first.",
        "Join them with && in one RUN.");

    public static readonly LintRule UnpinnedBase = new("LT007", "BaseImageNotPinned", FindingSeverity.Warning,
        "FROM uses an image without a tag or with :latest: builds change when the tag moves.",
        "Name an explicit version tag (or a digest), e.g. FROM debian:12-slim.");

    public static readonly LintRule AddForCopy = new("LT008", "AddInsteadOfCopy", FindingSeverity.Warning,
        "ADD copies local files that are not archives: COPY does the same with no surprises (no extraction, no URLs).",
        "Use COPY; keep ADD for URLs, git sources and local tar archives to extract.");

    public static readonly LintRule SecretVariable = new("LT009", "SecretInEnvOrArg", FindingSeverity.Error,
        "An ENV or ARG name looks like a secret (PASSWORD, SECRET, TOKEN, API_KEY...): ENV values stay in the image config, ARG values in its history.",
        "Pass secrets at build time with RUN --mount=type=secret, and at run time through the environment or a mounted file.");

    public static readonly LintRule RelativeWorkdir = new("LT010", "RelativeWorkdir", FindingSeverity.Warning,
        "WORKDIR is a relative path: where it lands depends on every earlier WORKDIR and on the base image.",
        "Use an absolute path, e.g. WORKDIR /app.");

    public static readonly LintRule Maintainer = new("LT011", "MaintainerDeprecated", FindingSeverity.Info,
        "MAINTAINER is deprecated.",
        "Use LABEL org.opencontainers.image.authors=\"name <mail>\".");

    public static readonly LintRule RepeatedCommand = new("LT012", "MultipleCmdOrEntrypoint", FindingSeverity.Warning,
        "A stage has several CMD (or ENTRYPOINT) instructions: only the last one takes effect.",
        "Keep one CMD and one ENTRYPOINT per stage.");

    public static readonly LintRule CdInRun = new("LT013", "CdInRun", FindingSeverity.Info,
        "A RUN changes directory with cd: the next instructions do not see it, which surprises readers.",
        "Use WORKDIR to change directory.");

    public static readonly LintRule WastedLayerBytes = new("LT014", "FilesRemovedInLaterLayer", FindingSeverity.Warning,
        "(-Image only) Files an instruction adds are deleted or overwritten by a later layer: the image still carries their bytes.",
        "Create and delete temporary files in the same RUN (or use a multi-stage build and copy only the result).",
        NeedsImage: true);

    /// <summary>Every rule, by id order.</summary>
    public static IReadOnlyList<LintRule> All { get; } = new[]
    {
        AptUpdateAlone, PackageCacheLeft, ContextBeforeInstall, ManifestNotFirst, ThinDockerignore, ConsecutiveRun, UnpinnedBase,
        AddForCopy, SecretVariable, RelativeWorkdir, Maintainer, RepeatedCommand, CdInRun, WastedLayerBytes,
    };

    /// <summary>The rule with this id (case-insensitive) or name; null when none.</summary>
    public static LintRule? Find(string idOrName) =>
        All.FirstOrDefault(r => string.Equals(r.Id, idOrName, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Name, idOrName, StringComparison.OrdinalIgnoreCase));

    /// <summary>The ids of the rules a check runs: <see cref="LintOptions.Rules"/> (all when empty) less <see cref="LintOptions.ExcludeRules"/>; an unknown id is an error.</summary>
    public static HashSet<string> Enabled(LintOptions options)
    {
        LintRule Lookup(string id) => Find(id.Trim()) ?? throw new LayerToolsException(
            "UnknownRuleId",
            ErrorKind.InvalidArgument,
            $"There is no rule '{id}'. The rules are {string.Join(", ", All.Select(r => r.Id))} (Get-Help Test-Dockerfile -Full describes them).",
            id);

        var enabled = options.Rules.Count == 0
            ? All.Select(r => r.Id).ToHashSet(StringComparer.Ordinal)
            : options.Rules.Select(r => Lookup(r).Id).ToHashSet(StringComparer.Ordinal);
        foreach (var excluded in options.ExcludeRules)
        {
            enabled.Remove(Lookup(excluded).Id);
        }

        return enabled;
    }
}
