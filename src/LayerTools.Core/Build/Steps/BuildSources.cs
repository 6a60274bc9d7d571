using System.Globalization;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Build.Copy;
using LayerTools.Core.Build.Mounts;
using LayerTools.Core.Store;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// What the steps of one build read besides their parent image: the build context (scanned once, with
/// .dockerignore, its file hashes kept between builds), and the files of a stage built earlier or of
/// another image, for COPY --from and RUN --mount from=.
/// </summary>
internal sealed class BuildSources
{
    private readonly LayerStore _store;
    private readonly BuildOptions _options;
    private readonly string _contextPath;
    private readonly string _dockerfilePath;
    private readonly IReadOnlyDictionary<int, StageState> _stages;
    private readonly CancellationToken _cancellationToken;
    private ContextCopySource? _context;

    public BuildSources(LayerStore store, BuildOptions options, string contextPath, string dockerfilePath, IReadOnlyDictionary<int, StageState> stages, CancellationToken cancellationToken)
    {
        _store = store;
        _options = options;
        _contextPath = contextPath;
        _dockerfilePath = dockerfilePath;
        _stages = stages;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The build context, scanned on first use.</summary>
    public ContextCopySource Context => _context ??= NewContextSource();

    /// <summary>Keeps the context's file hashes for the next build (nothing when the context was never read).</summary>
    public void Save() => _context?.Save();

    /// <summary>What COPY --from reads: a stage built earlier in this build, or an image (from the store or an archive).</summary>
    public ICopySource From(StageState state, string from, string where) => StageOrImage(state, from, where).Files;

    /// <summary>What a bind mount reads: the build context (no <c>from</c>), or a stage's or image's files and their ChainID.</summary>
    public MountSource MountSourceFor(StageState state, string? from, string where) =>
        from is null ? new MountSource(Context, null) : StageOrImage(state, from, where);

    /// <summary>The files named by <c>--from</c> (a stage of this build by name or index, else an image) and their ChainID.</summary>
    private MountSource StageOrImage(StageState state, string from, string where)
    {
        var stage = state.Planned.Dependencies.FirstOrDefault(d => string.Equals(d.Name, from, StringComparison.OrdinalIgnoreCase) || d.Index.ToString(CultureInfo.InvariantCulture) == from);
        if (stage is not null && _stages.TryGetValue(stage.Index, out var built))
        {
            return new MountSource(new ImageCopySource(_store, built.View, "stage " + built.Name), Digests.ChainId.Of(built.Image.DiffIds) ?? "scratch");
        }

        var image = BaseImageResolver.Resolve(_store, from, _contextPath, where, _cancellationToken, verbose: _options.Verbose);
        return new MountSource(new ImageCopySource(_store, UnionView.Build(image.DiffIds.Select(_store.ReadLayerIndex)), "image " + from), Digests.ChainId.Of(image.DiffIds) ?? "scratch");
    }

    private ContextCopySource NewContextSource()
    {
        var context = ScanContext();

        // The context's path order (a sort of every entry, which the COPY's plan asks for next) is
        // made on another core while the hash cache is read and matched on this one: the sort reads
        // the entries' paths, the cache sets their hashes. At 50,000 files each was a tenth of a no-op.
        var sorting = Task.Run(context.Sort);
        var hashes = FileHashCache.Load(_store, context);
        sorting.GetAwaiter().GetResult();
        return new ContextCopySource(context, hashes);
    }

    private BuildContext ScanContext()
    {
        var matcher = DockerignoreMatcher.Load(_contextPath, _dockerfilePath);
        var context = BuildContext.Scan(_contextPath, (rel, _) => matcher.IsExcluded(rel), matcher.CanSkipDirectory, _cancellationToken);
        _options.Verbose?.Invoke($"Build context {_contextPath}: {context.Count} entries after .dockerignore.");
        return context;
    }
}
