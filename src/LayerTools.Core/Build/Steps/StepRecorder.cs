using System.Diagnostics;
using System.Globalization;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// The bookkeeping of every step of one build: whether the step's cache key hits, remembering it when
/// not (with the inputs that say, next time, why it missed), the history record it adds, and the
/// <see cref="BuildStep"/> it reports. A step that makes a layer takes it from the cache when the key
/// hits (holding the layer in the build's lease), else makes it, commits it to the store at once, and
/// remembers it. The steps it looked up or remembered are what the inline cache exports.
/// </summary>
internal sealed class StepRecorder
{
    private readonly LayerStore _store;
    private readonly BuildOptions _options;
    private readonly BuildCache _cache;
    private readonly Lease _lease;
    private readonly string _dockerfilePath;
    private readonly CancellationToken _cancellationToken;
    private readonly StepInputLog _inputLog;
    private readonly List<BuildStep> _steps = new();
    private readonly List<(string Key, CacheRecord Record)> _usedSteps = new();

    public StepRecorder(LayerStore store, BuildOptions options, BuildCache cache, Lease lease, string dockerfilePath, CancellationToken cancellationToken)
    {
        _store = store;
        _options = options;
        _cache = cache;
        _lease = lease;
        _dockerfilePath = dockerfilePath;
        _cancellationToken = cancellationToken;
        _inputLog = new StepInputLog(store);
    }

    /// <summary>The steps reported so far, in order.</summary>
    public IReadOnlyList<BuildStep> Steps => _steps;

    /// <summary>The cache steps this build looked up or remembered, for the inline cache.</summary>
    public IReadOnlyList<(string Key, CacheRecord Record)> UsedSteps => _usedSteps;

    /// <summary>A step that changes no file: an empty-layer history record (none for an empty text), its time kept in the cache.</summary>
    public void HistoryOnly(StageState state, Instruction instruction, string createdBy, CacheKey key, int index, Stopwatch watch)
    {
        var record = Lookup(state, key);
        var created = ParseCreated(record) ?? Now();
        if (createdBy.Length > 0)
        {
            state.Image.AddHistory(createdBy, created, HistoryText.Comment, emptyLayer: true);
        }

        // Why it missed is asked before the step is remembered, or it would find itself in the log.
        var reason = record is null ? MissReason(state, instruction, key) : null;
        if (record is null)
        {
            Remember(state, instruction, key, new CacheRecord { CreatedBy = createdBy, Created = JsonDocuments.FormatDate(created) });
        }

        Report(state, instruction, index, cached: record is not null, reason: reason, diffId: null, size: 0, watch.Elapsed);
    }

    /// <summary>A step that makes a layer: from the cache when its key hits, else made, committed, and remembered.</summary>
    public void LayerStep(StageState state, Instruction instruction, CacheKey key, int index, Stopwatch watch, string createdBy, Func<StagingArea, LayerIndex> make, Action<CacheKey>? addInputs = null, bool speculative = false)
    {
        using var staging = _store.BeginStaging(_lease);
        LayerIndex? made = null;

        // A key that cannot hit (an earlier step of the stage missed, or -NoCache) is only remembered:
        // the layer is made first, so a COPY hashes each file as it writes it and reads it once, not
        // once for the key and again for the layer.
        if (speculative || _options.NoCache || state.Missed)
        {
            made = make(staging);
        }

        addInputs?.Invoke(key);
        var record = Lookup(state, key);
        if (record?.DiffId is { } cachedDiffId && (_lease.TryHold(cachedDiffId, _cancellationToken) || RemoteLayers.IsRemote(_store, cachedDiffId)))
        {
            var created = ParseCreated(record) ?? Now();
            state.Image.AddLayer(cachedDiffId, record.CreatedBy ?? createdBy, created, HistoryText.Comment);

            // The layer's index is read only if a later step looks into the view (a no-op rebuild of
            // a large COPY never parses its index). A remote layer (from a -CacheFrom cache image)
            // stays in the registry unless a later step reads the stage's files.
            var remote = _store.HasBlob(cachedDiffId) ? null : RemoteLayers.Get(_store, cachedDiffId);
            state.AppliedLater(() => _store.ReadLayerIndex(cachedDiffId));
            if (remote is not null && _lease.TryHold(remote.Blob.Digest, _cancellationToken))
            {
                _options.Verbose?.Invoke($"{instruction.Location}: {instruction.Original}: cached (layer {cachedDiffId}, packed: pulled from {remote.Registry}/{remote.Repository}, not unpacked)");
            }
            else if (remote is not null)
            {
                _options.Verbose?.Invoke($"{instruction.Location}: {instruction.Original}: cached (layer {cachedDiffId}, still in {remote.Registry}/{remote.Repository})");
            }

            Report(state, instruction, index, cached: true, reason: null, diffId: cachedDiffId, size: remote?.Blob.Size ?? _store.BlobSize(cachedDiffId), watch.Elapsed);
            return;
        }

        var reason = MissReason(state, instruction, key);
        made ??= make(staging);
        staging.Commit(null, _cancellationToken);
        var now = Now();
        Remember(state, instruction, key, new CacheRecord { DiffId = made.DiffId, CreatedBy = createdBy, Created = JsonDocuments.FormatDate(now) });
        state.Image.AddLayer(made.DiffId, createdBy, now, HistoryText.Comment);
        state.Applied(made);
        Report(state, instruction, index, cached: false, reason: reason, diffId: made.DiffId, size: made.Size, watch.Elapsed);
    }

    public void Report(StageState state, Instruction instruction, int index, bool cached, string? reason, string? diffId, long size, TimeSpan duration, int remoteLayers = 0)
    {
        var step = new BuildStep
        {
            Stage = state.Name,
            Index = instruction is FromInstruction ? 0 : index,
            Line = instruction.Location.StartLine,
            Instruction = instruction.Original,
            Cached = cached,
            CacheMissReason = cached ? null : reason,
            LayerDiffId = diffId,
            Size = size,
            Duration = duration,
            RemoteLayers = remoteLayers,
        };
        _steps.Add(step);
        _options.StepCompleted?.Invoke(step);
    }

    /// <summary>The time a new history record carries: SOURCE_DATE_EPOCH when given, else now (whole seconds).</summary>
    public DateTimeOffset Now() => _options.SourceDateEpoch is { } epoch
        ? DateTimeOffset.FromUnixTimeSeconds(epoch)
        : DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private CacheRecord? Lookup(StageState state, CacheKey key)
    {
        var record = _options.NoCache || state.Missed ? null : _cache.Get(key.Digest);
        if (record is not null)
        {
            _usedSteps.Add((key.Digest, record));
        }

        return record;
    }

    private void Remember(StageState state, Instruction instruction, CacheKey key, CacheRecord record)
    {
        _usedSteps.Add((key.Digest, record));
        _cache.Put(key.Digest, record);
        _inputLog.Record(StepIdentity(state, instruction), key);
    }

    private string MissReason(StageState state, Instruction instruction, CacheKey key)
    {
        if (_options.NoCache)
        {
            return "no cache (-NoCache)";
        }

        if (state.Missed)
        {
            return "an earlier step of the stage was rebuilt";
        }

        state.Missed = true;
        return _inputLog.Explain(StepIdentity(state, instruction), key);
    }

    private string StepIdentity(StageState state, Instruction instruction) =>
        _dockerfilePath + "\n" + state.Name + "\n" + instruction.Location.StartLine.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseCreated(CacheRecord? record) =>
        record?.Created is { } c && DateTimeOffset.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;
}
