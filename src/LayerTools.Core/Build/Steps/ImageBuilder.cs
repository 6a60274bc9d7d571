using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Build.Copy;
using LayerTools.Core.Build.Mounts;
using LayerTools.Core.Build.Parsing;
using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Run;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// Builds an image from a Dockerfile (or its YAML mirror) the way Docker does: each instruction a
/// layer or a metadata-only history record, each step looked up in the cache by its parent state,
/// its instruction and its inputs, and after the first miss every later step of the stage run again.
/// Each new layer is committed to the store as soon as it is made, so a failed build keeps what it
/// built for the next try; the image is tagged only when every step succeeded.
/// </summary>
internal sealed class ImageBuilder
{
    private readonly LayerStore _store;
    private readonly BuildOptions _options;
    private readonly CancellationToken _cancellationToken;
    private readonly BuildCache _cache;
    private readonly StepInputLog _inputLog;
    private readonly Dictionary<int, StageState> _stages = new();
    private readonly List<BuildStep> _steps = new();
    private readonly List<(string Key, CacheRecord Record)> _usedSteps = new();
    private readonly string _contextPath;
    private readonly string _dockerfilePath;
    private ContextCopySource? _context;
    private Lease? _lease;

    public ImageBuilder(LayerStore store, BuildOptions options, CancellationToken cancellationToken = default)
    {
        _store = store;
        _options = options;
        _cancellationToken = cancellationToken;
        _cache = new BuildCache(store);
        _inputLog = new StepInputLog(store);
        _contextPath = Path.GetFullPath(options.ContextPath);
        _dockerfilePath = Path.GetFullPath(options.File ?? Path.Combine(_contextPath, "Dockerfile"));
    }

    public BuildResult Build()
    {
        if (!Directory.Exists(_contextPath))
        {
            throw new LayerToolsException("ContextNotFound", ErrorKind.ObjectNotFound, $"The build context '{_contextPath}' is not a folder.", _contextPath);
        }

        var tags = _options.Tags.Select(ImageReference.Parse).ToList();

        // One lease for the whole build: the base layers, the cached layers it reuses and the layers
        // it makes stay in the store until the image that references them is committed.
        using var lease = _store.AcquireLease();
        _lease = lease;
        var dockerfile = BuildFile.Load(_dockerfilePath, Path.GetFileName(_dockerfilePath));
        var plan = StagePlanner.Plan(dockerfile, _options.Target, _options.BuildArgs);
        foreach (var source in _options.CacheFrom)
        {
            var image = BaseImageResolver.Resolve(_store, source, _contextPath, "-CacheFrom", _cancellationToken, verbose: _options.Verbose);
            var taken = image.ImageId is null ? 0 : InlineCache.Import(_store, _cache, image.ImageId);
            _options.Verbose?.Invoke($"-CacheFrom {source}: {taken} cached step(s).");
        }

        foreach (var planned in plan.Stages)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _stages[planned.Stage.Index] = BuildStage(plan, planned);
        }

        _context?.Save();
        var final = _stages[plan.Target.Stage.Index];
        foreach (var (key, value) in _options.Labels)
        {
            final.Image.SetLabel(key, value);
        }

        return new BuildResult(Commit(final, tags), _steps);
    }

    private StoredImage Commit(StageState final, IReadOnlyList<ImageReference> tags)
    {
        var created = _options.SourceDateEpoch is { } epoch
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : final.Image.History.Select(h => JsonDocuments.GetDate(h as JsonObject, "created")).Where(d => d is not null).Select(d => d!.Value).DefaultIfEmpty(Now()).Max();
        var inline = _options.InlineCache ? InlineCache.ToJson(_usedSteps, final.Image.DiffIds.ToHashSet(StringComparer.Ordinal)) : null;
        var configBytes = final.Image.ToConfigBytes(created, inline);
        using var staging = _store.BeginStaging(_lease);
        var manifest = ImageWriter.Write(staging, configBytes, final.Image.DiffIds.Select(_store.ReadLayerIndex).ToList());
        var named = tags.Count == 0 ? new[] { ImageCatalog.Tagged(manifest, null) } : tags.Select(t => ImageCatalog.Tagged(manifest, t)).ToArray();
        staging.Commit(descriptors =>
        {
            var changed = false;
            foreach (var d in named)
            {
                changed |= ImageCatalog.ApplyTag(descriptors, d);
            }

            return changed;
        }, _cancellationToken);
        return new StoredImage(named[0], tags.Count == 0 ? null : tags[0]);
    }

    private StageState BuildStage(BuildPlan plan, PlannedStage planned)
    {
        var watch = Stopwatch.StartNew();
        var where = Where(planned.Stage.From);
        ImageState image;
        IReadOnlyList<string>? onBuild = null;
        if (planned.BaseStage is { } baseStage)
        {
            image = _stages[baseStage.Index].Image.Clone();
        }
        else
        {
            var resolved = Wrap(planned.Stage.From, () => BaseImageResolver.Resolve(_store, planned.BaseImage, _contextPath, where, _cancellationToken, _options.Pull, _options.Verbose));
            var platform = Platform.Parse(planned.Platform, where);
            if (resolved.Config is { } baseConfig && platform is not null && !platform.Matches(baseConfig.Os, baseConfig.Architecture, baseConfig.Variant))
            {
                throw new LayerToolsException("PlatformMismatch", ErrorKind.InvalidArgument, $"{where}: FROM --platform={planned.Platform}, but {planned.BaseImage} is {baseConfig.Os}/{baseConfig.Architecture}{(baseConfig.Variant is null ? string.Empty : "/" + baseConfig.Variant)}; the store holds one platform per image.", planned.Platform);
            }

            if (resolved.Config is not null)
            {
                Lease.Hold(resolved.Config.DiffIds, $"a layer of {planned.BaseImage}", _cancellationToken);
            }

            image = resolved.Config is null ? ImageState.Scratch(platform?.Os, platform?.Architecture) : ImageState.From(resolved.Config);

            // BuildKit reads the base's config into the OCI image config type and writes it back, so
            // fields the base left empty ("User": "", "Tty": false, "Cmd": null) do not reach the image.
            image.DropEmptyRuntimeFields();

            // As BuildKit does: a stage whose base sets no PATH (scratch, or a bare imported root
            // filesystem) gets the default one in its config, so RUN, CMD and the image agree.
            if (image.GetEnv("PATH") is null)
            {
                image.SetEnv("PATH", ImageState.DefaultPath);
            }

            onBuild = JsonDocuments.GetStringArray(image.RuntimeConfig, "OnBuild");
        }

        image.RuntimeConfig.Remove("OnBuild");
        var view = UnionView.Build(image.DiffIds.Select(_store.ReadLayerIndex));
        var scope = StageScope.Start(planned, plan, image.Env, _options.BuildArgs);
        var state = new StageState(planned, image, view, scope);
        Report(state, planned.Stage.From, 0, cached: true, reason: null, diffId: null, size: 0, watch.Elapsed);

        var triggers = onBuild is { Count: > 0 } ? DockerfileParser.ParseTriggers(onBuild, $"ONBUILD of {planned.BaseImage}") : Array.Empty<Instruction>();
        foreach (var instruction in triggers.Concat(planned.Stage.Instructions))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            Wrap(instruction, () =>
            {
                Execute(state, instruction);
                return 0;
            });
        }

        return state;
    }

    private void Execute(StageState state, Instruction instruction)
    {
        var watch = Stopwatch.StartNew();
        var index = state.NextIndex++;
        _options.Progress?.Report(new OperationProgress($"Building {state.Name}", $"{Where(instruction)}: {instruction.Original}", -1));
        var parentKey = state.Image.StateKey;
        var before = state.Scope;
        var (next, expanded) = state.Scope.Apply(instruction);
        var usedArgs = state.Scope.UsedArgs(instruction);
        state.Scope = next;
        var key = new CacheKey(instruction.Kind.ToString(), parentKey).Add("parent", parentKey).Add("instruction", instruction.Original);
        foreach (var (name, value) in usedArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            key.Add("arg:" + name, value);
        }

        switch (expanded)
        {
            case ArgInstruction when instruction is ArgInstruction arg:
                // BuildKit records each stage ARG in the history with its default as written (expanded), not the value given.
                var text = "ARG " + string.Join(' ', arg.Arguments.Select(d => d.DefaultValue is null ? d.Name : d.Name + "=" + arg.ExpandDefault(d, before.Variables)));
                HistoryOnlyStep(state, instruction, text, key, index, watch);
                return;
            case CopyInstruction or AddInstruction:
                CopyStep(state, instruction, (FileInstruction)expanded, key, index, watch);
                return;
            case RunInstruction run:
                RunStep(state, instruction, run, key, index, watch);
                return;
            case WorkdirInstruction workdir:
                WorkdirStep(state, instruction, workdir, key, index, watch);
                return;
            default:
                MetadataStep(state, instruction, expanded, key, index, watch);
                return;
        }
    }

    private void MetadataStep(StageState state, Instruction instruction, Instruction expanded, CacheKey key, int index, Stopwatch watch)
    {
        var image = state.Image;
        var cmdSet = state.CmdSet;
        var createdBy = MetadataInstructions.Apply(image, expanded, ref cmdSet)
            ?? throw new LayerToolsException("UnsupportedInstruction", ErrorKind.NotImplemented, $"{Where(instruction)}: {instruction.Keyword} is not supported here.", instruction.Original);
        state.CmdSet = cmdSet;
        HistoryOnlyStep(state, instruction, createdBy, key, index, watch);
    }

    /// <summary>A step that changes no file: an empty-layer history record (none for an empty text), its time kept in the cache.</summary>
    private void HistoryOnlyStep(StageState state, Instruction instruction, string createdBy, CacheKey key, int index, Stopwatch watch)
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

    private void WorkdirStep(StageState state, Instruction instruction, WorkdirInstruction workdir, CacheKey key, int index, Stopwatch watch)
    {
        var path = workdir.Path.StartsWith('/') ? workdir.Path : state.Image.WorkingDir.TrimEnd('/') + "/" + workdir.Path;
        var clean = TarPath.CleanUnderRoot(path);
        state.Image.WorkingDir = "/" + clean;
        var createdBy = "WORKDIR /" + clean;
        if (clean.Length == 0 || state.View.Lookup(state.View.Resolve(clean)) is { Type: EntryType.Directory })
        {
            HistoryOnlyStep(state, instruction, createdBy, key, index, watch);
            return;
        }

        // The directory is missing: WORKDIR makes it, in a layer of its own.
        var owner = state.Image.User is { Length: > 0 } u ? UserDatabase.Resolve(_store, state.View, u, Where(instruction)) : (0, 0);
        LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
            w =>
            {
                var parts = clean.Split('/');
                for (var i = 1; i <= parts.Length; i++)
                {
                    var dir = string.Join('/', parts.Take(i));
                    var lower = state.View.Get(dir)?.Entry;
                    if (lower is { Type: EntryType.Directory })
                    {
                        w.AddDirectory(dir, lower.Mode, lower.Uid, lower.Gid, lower.ModifiedTime);
                    }
                    else
                    {
                        w.AddDirectory(dir, 0x1ED, owner.Item1, owner.Item2, _options.SourceDateEpoch ?? 0);
                    }
                }
            },
            _options.SourceDateEpoch));
    }

    private void CopyStep(StageState state, Instruction instruction, FileInstruction copy, CacheKey key, int index, Stopwatch watch)
    {
        var where = Where(instruction);
        if (copy is AddInstruction && copy.Sources.Any(s => s.Contains("://", StringComparison.Ordinal) || s.StartsWith("git@", StringComparison.Ordinal)))
        {
            throw new LayerToolsException("AddUrlNotSupported", ErrorKind.NotImplemented, $"{where}: ADD from a URL or git repository is not supported; download the file into the build context and COPY it.", instruction.Original);
        }

        if (copy is AddInstruction add && (add.Checksum is not null || add.KeepGitDir))
        {
            throw new LayerToolsException("UnsupportedFlag", ErrorKind.InvalidArgument, $"{where}: ADD --checksum and --keep-git-dir apply only to URL and git sources, which LayerTools does not fetch.", instruction.Original);
        }

        if (copy is CopyInstruction { Parents: true })
        {
            throw new LayerToolsException("UnsupportedFlag", ErrorKind.NotImplemented, $"{where}: COPY --parents is not supported yet; copy each directory to its full destination path instead.", instruction.Original);
        }

        ICopySource source;
        var fromImage = false;
        if (copy is CopyInstruction { From: { } from })
        {
            source = FromSource(state, from, where);
            fromImage = true;
        }
        else
        {
            source = _context ??= new ContextCopySource(ScanContext(), FileHashCache.Load(_store, _contextPath));
        }

        (int, int)? owner = copy.Chown is { Length: > 0 } chown ? UserDatabase.Resolve(_store, state.View, chown, where) : null;
        int? mode = null;
        if (copy.Chmod is { Length: > 0 } chmod)
        {
            mode = int.TryParse(chmod, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? Convert.ToInt32(chmod, 8) & 0xFFF
                : throw new LayerToolsException("InvalidChmod", ErrorKind.InvalidArgument, $"{where}: --chmod={chmod} is not an octal mode.", chmod);
        }

        if (copy.Contents.Count > 0)
        {
            HeredocCopyStep(state, instruction, copy, key, index, watch, owner, mode);
            return;
        }

        var request = new CopyRequest { Sources = copy.Sources, Excludes = copy.Excludes, Destination = copy.Destination, WorkingDir = state.Image.WorkingDir, Owner = owner, Mode = mode, Where = where };
        foreach (var exclude in copy.Excludes)
        {
            key.Add("exclude", exclude);
        }

        // ADD extracts a local tar (plain, gzip, bzip2, xz), recognised by its content, unless --unpack=false.
        var archives = new Dictionary<string, ArchiveCompression>(StringComparer.Ordinal);
        Func<CopySourceEntry, bool>? unpack = null;
        if (copy is AddInstruction { Unpack: not false } && source is ContextCopySource)
        {
            unpack = e =>
            {
                using var probe = source.Open(e);
                var kind = LocalArchive.Detect(probe);
                if (kind != ArchiveCompression.NotArchive)
                {
                    archives[e.Path] = kind;
                }

                return kind != ArchiveCompression.NotArchive;
            };
        }

        var plan = CopyPlan.Create(request, source, state.View, _options.SourceDateEpoch, keepSourceOwner: fromImage, unpack);
        var createdBy = HistoryText.Copy(copy);
        key.Add("destination", copy.Destination).Add("workdir", state.Image.WorkingDir);
        if (plan.Archives.Count > 0)
        {
            key.Add("chown", owner is { } o ? o.Item1 + ":" + o.Item2 : string.Empty);
            var createdTime = _options.SourceDateEpoch ?? plan.Archives.Max(a => a.ModifiedTime);

            // As for COPY: an archive never hashed is hashed while it is extracted (one read), and the
            // layer is dropped if the key then hits.
            var unknown = source is ContextCopySource context && (plan.Files.Any(f => !context.HasKnownDigest(f.Source!)) || plan.Archives.Any(a => !context.HasKnownDigest(a)));
            LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
                w =>
                {
                    plan.Write(w, source);
                    var unpacker = new ArchiveUnpacker(w, state.View, plan.Entries, owner, createdTime);
                    foreach (var archive in plan.Archives)
                    {
                        var raw = new Digests.HashingStream(source.Open(archive));
                        using var tar = LocalArchive.Decompress(raw, archives[archive.Path]);
                        unpacker.Extract(tar, plan.Destination, archive.Path, _cancellationToken);
                        raw.Drain();
                        source.Remember(archive, raw.Digest);
                    }
                },
                _options.SourceDateEpoch),
                addInputs: k =>
                {
                    foreach (var archive in plan.Archives)
                    {
                        k.Add("archive:" + archive.Path, source.DigestOf(archive));
                    }

                    plan.AddToKey(k, source);
                },
                speculative: unknown && !_options.NoCache && !state.Missed);
            return;
        }

        // A context file that was never hashed would be read twice (once for the key, once for the
        // layer): write the layer first, hashing on the way, and drop it if the key then hits.
        var speculative = source is ContextCopySource ctx && plan.Files.Any(f => !ctx.HasKnownDigest(f.Source!)) && !_options.NoCache && !state.Missed;
        LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(w => plan.Write(w, source), _options.SourceDateEpoch), addInputs: k => plan.AddToKey(k, source), speculative: speculative);
    }

    private void HeredocCopyStep(StageState state, Instruction instruction, FileInstruction copy, CacheKey key, int index, Stopwatch watch, (int Uid, int Gid)? owner, int? mode)
    {
        var destination = TarPath.CleanUnderRoot(copy.Destination.StartsWith('/') ? copy.Destination : state.Image.WorkingDir.TrimEnd('/') + "/" + copy.Destination);
        var toDirectory = copy.Destination.EndsWith('/') || copy.Contents.Count > 1;
        var files = copy.Contents.Select(h => (Path: toDirectory ? TarPath.Join(destination, h.Name) : destination, Bytes: System.Text.Encoding.UTF8.GetBytes(h.Text))).ToList();
        foreach (var f in files)
        {
            key.Add("file:" + f.Path, Digests.Digest.Of(f.Bytes));
        }

        var createdBy = "COPY " + HistoryText.Arguments(copy) + " # buildkit";
        var mtime = _options.SourceDateEpoch ?? 0;
        LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
            w =>
            {
                var dirs = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var f in files)
                {
                    for (var p = TarPath.Parent(f.Path); p.Length > 0; p = TarPath.Parent(p))
                    {
                        dirs.Add(p);
                    }
                }

                var entries = dirs.Select(d => (d, (byte[]?)null)).Concat(files.Select(f => (f.Path, (byte[]?)f.Bytes))).OrderBy(e => e.Item1, StringComparer.Ordinal);
                foreach (var (path, bytes) in entries)
                {
                    if (bytes is null)
                    {
                        var lower = state.View.Get(path)?.Entry;
                        w.AddDirectory(path, lower?.Mode ?? 0x1ED, lower?.Uid ?? 0, lower?.Gid ?? 0, lower?.ModifiedTime ?? mtime);
                    }
                    else
                    {
                        w.AddFile(path, mode ?? 0x1A4, owner?.Uid ?? 0, owner?.Gid ?? 0, mtime, new MemoryStream(bytes), bytes.Length);
                    }
                }
            },
            _options.SourceDateEpoch));
    }

    private void RunStep(StageState state, Instruction instruction, RunInstruction run, CacheKey key, int index, Stopwatch watch)
    {
        var where = Where(instruction);
        using var mounts = new RunMountSet(_store, run.ParseMounts(state.Scope.Variables), from => MountSourceFor(state, from, where), _options.Secrets, state.Image.WorkingDir, where, _lease);

        if (run.Security is { } security && !security.Equals("sandbox", StringComparison.OrdinalIgnoreCase))
        {
            throw new LayerToolsException("UnsupportedFlag", ErrorKind.NotImplemented, $"{where}: RUN --security={security} is not supported; RUN always runs sandboxed.", instruction.Original);
        }

        var isolateNetwork = run.Network?.ToLowerInvariant() switch
        {
            null or "default" or "host" => false,
            "none" => true,
            var other => throw new LayerToolsException("UnsupportedFlag", ErrorKind.InvalidArgument, $"{where}: RUN --network={other} is not supported; use default, host or none.", instruction.Original),
        };
        if (isolateNetwork)
        {
            key.Add("network", "none");
        }

        var invocation = run.ToInvocation(MetadataInstructions.Shell(state.Image));
        var files = invocation.ScriptPath is { } scriptPath
            ? new[] { new RunFile(scriptPath, System.Text.Encoding.UTF8.GetBytes(invocation.ScriptContent ?? string.Empty), 0x1ED) }
            : Array.Empty<RunFile>();
        if (invocation.ScriptContent is { } script)
        {
            key.Add("script", script);
        }

        var env = state.Scope.OrderedVariables.Select(v => v.Key + "=" + v.Value).ToList();
        // The environment RUN sees is the image's ENV (in the parent state) and the ARGs in scope (each an input above).
        key.Add("argv", string.Join('\0', invocation.Argv)).Add("workdir", state.Image.WorkingDir).Add("user", state.Image.User ?? string.Empty);
        var createdBy = HistoryText.Run(state.Scope.RunHistoryPrefix, invocation.Argv);
        LayerStep(state, instruction, key, index, watch, createdBy, staging =>
        {
            var (containerMounts, secretEnv) = mounts.Prepare(_cancellationToken);
            var tail = new Queue<string>();
            var request = new RunRequest
            {
                Arguments = invocation.Argv,
                Environment = secretEnv.Count == 0 ? env : env.Concat(secretEnv).ToList(),
                Mounts = containerMounts,
                WorkingDirectory = state.Image.WorkingDir,
                User = state.Image.User is { Length: > 0 } u ? u : null,
                SourceDateEpoch = _options.SourceDateEpoch,
                Runtime = _options.Runtime,
                Where = where,
                Files = files,
                IsolateNetwork = isolateNetwork,
            };
            var result = RunExecutor.Run(_store, staging, state.Image.DiffIds, request, line =>
            {
                if (tail.Count == 10)
                {
                    tail.Dequeue();
                }

                tail.Enqueue(line.Text);
                _options.Output?.Invoke(line.Text);
            }, _cancellationToken);
            if (result.ExitCode != 0 || result.Layer is null)
            {
                var lines = tail.Count == 0 ? string.Empty : Environment.NewLine + string.Join(Environment.NewLine, tail);
                throw new LayerToolsException("RunFailed", ErrorKind.InvalidOperation, $"{where}: RUN {HistoryText.Arguments(instruction)}: the command exited with code {result.ExitCode}.{lines}", instruction.Original);
            }

            return result.Layer;
        }, addInputs: mounts.AddToKey);
    }

    /// <summary>A step that makes a layer: from the cache when its key hits, else made, committed, and remembered.</summary>
    private void LayerStep(StageState state, Instruction instruction, CacheKey key, int index, Stopwatch watch, string createdBy, Func<StagingArea, LayerIndex> make, Action<CacheKey>? addInputs = null, bool speculative = false)
    {
        using var staging = _store.BeginStaging(_lease);
        LayerIndex? made = null;
        if (speculative)
        {
            made = make(staging);
        }

        addInputs?.Invoke(key);
        var record = Lookup(state, key);
        if (record?.DiffId is { } cachedDiffId && Lease.TryHold(cachedDiffId, _cancellationToken))
        {
            var created = ParseCreated(record) ?? Now();
            state.Image.AddLayer(cachedDiffId, record.CreatedBy ?? createdBy, created, HistoryText.Comment);
            var cachedIndex = _store.ReadLayerIndex(cachedDiffId);
            state.View.Apply(cachedIndex);
            _options.Verbose?.Invoke($"{Where(instruction)}: {instruction.Original}: cached (layer {cachedDiffId})");
            Report(state, instruction, index, cached: true, reason: null, diffId: cachedDiffId, size: cachedIndex.Size, watch.Elapsed);
            return;
        }

        var reason = MissReason(state, instruction, key);
        _options.Verbose?.Invoke($"{Where(instruction)}: {instruction.Original}: running ({reason})");
        made ??= make(staging);
        staging.Commit(null, _cancellationToken);
        var now = Now();
        Remember(state, instruction, key, new CacheRecord { DiffId = made.DiffId, CreatedBy = createdBy, Created = JsonDocuments.FormatDate(now) });
        state.Image.AddLayer(made.DiffId, createdBy, now, HistoryText.Comment);
        state.View.Apply(made);
        Report(state, instruction, index, cached: false, reason: reason, diffId: made.DiffId, size: made.Size, watch.Elapsed);
    }

    private Lease Lease => _lease ?? throw new InvalidOperationException("The build holds no lease.");

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

    private ICopySource FromSource(StageState state, string from, string where)
    {
        var stage = state.Planned.Dependencies.FirstOrDefault(d => string.Equals(d.Name, from, StringComparison.OrdinalIgnoreCase) || d.Index.ToString(CultureInfo.InvariantCulture) == from);
        if (stage is not null && _stages.TryGetValue(stage.Index, out var built))
        {
            return new ImageCopySource(_store, built.View, "stage " + built.Name);
        }

        var image = BaseImageResolver.Resolve(_store, from, _contextPath, where, _cancellationToken, verbose: _options.Verbose);
        return new ImageCopySource(_store, UnionView.Build(image.DiffIds.Select(_store.ReadLayerIndex)), "image " + from);
    }

    /// <summary>What a bind mount reads: the build context (no <c>from</c>), or a stage's or image's files and their ChainID.</summary>
    private MountSource MountSourceFor(StageState state, string? from, string where)
    {
        if (from is null)
        {
            return new MountSource(_context ??= new ContextCopySource(ScanContext(), FileHashCache.Load(_store, _contextPath)), null);
        }

        var stage = state.Planned.Dependencies.FirstOrDefault(d => string.Equals(d.Name, from, StringComparison.OrdinalIgnoreCase) || d.Index.ToString(CultureInfo.InvariantCulture) == from);
        if (stage is not null && _stages.TryGetValue(stage.Index, out var built))
        {
            return new MountSource(new ImageCopySource(_store, built.View, "stage " + built.Name), Digests.ChainId.Of(built.Image.DiffIds) ?? "scratch");
        }

        var image = BaseImageResolver.Resolve(_store, from, _contextPath, where, _cancellationToken, verbose: _options.Verbose);
        return new MountSource(new ImageCopySource(_store, UnionView.Build(image.DiffIds.Select(_store.ReadLayerIndex)), "image " + from), Digests.ChainId.Of(image.DiffIds) ?? "scratch");
    }

    private BuildContext ScanContext()
    {
        var matcher = DockerignoreMatcher.Load(_contextPath, _dockerfilePath);
        var context = BuildContext.Scan(_contextPath, (rel, _) => matcher.IsExcluded(rel), matcher.CanSkipDirectory, _cancellationToken);
        _options.Verbose?.Invoke($"Build context {_contextPath}: {context.Count} entries after .dockerignore.");
        return context;
    }

    private void Report(StageState state, Instruction instruction, int index, bool cached, string? reason, string? diffId, long size, TimeSpan duration)
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
        };
        _steps.Add(step);
        _options.StepCompleted?.Invoke(step);
    }

    private DateTimeOffset Now() => _options.SourceDateEpoch is { } epoch
        ? DateTimeOffset.FromUnixTimeSeconds(epoch)
        : DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static DateTimeOffset? ParseCreated(CacheRecord? record) =>
        record?.Created is { } c && DateTimeOffset.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;

    private static string Where(Instruction instruction) => instruction.Location.ToString();

    /// <summary>Runs a step and makes any failure name the Dockerfile, the line and the instruction.</summary>
    private static T Wrap<T>(Instruction instruction, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (LayerToolsException ex) when (!ex.Message.StartsWith(instruction.Location.File + ":", StringComparison.Ordinal))
        {
            throw new LayerToolsException(ex.ErrorId, ex.Kind, $"{Where(instruction)}: {instruction.Original}: {ex.Message}", ex.Target ?? instruction.Original, ex);
        }
    }
}
