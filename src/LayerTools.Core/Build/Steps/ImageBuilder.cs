using System.Diagnostics;
using System.Text.Json.Nodes;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Mounts;
using LayerTools.Core.Build.Parsing;
using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Images;
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
    private readonly Dictionary<int, StageState> _stages = new();
    private readonly string _contextPath;
    private readonly string _dockerfilePath;
    private readonly BuildSources _sources;
    private readonly BuildLog _log;
    private bool _multiStage;
    private Lease? _lease;
    private string _current = string.Empty;
    private StepRecorder? _recorder;
    private CopyStep? _copy;

    public ImageBuilder(LayerStore store, BuildOptions options, CancellationToken cancellationToken = default)
    {
        _store = store;
        _options = options;
        _cancellationToken = cancellationToken;
        _cache = new BuildCache(store);
        _contextPath = Path.GetFullPath(options.ContextPath);
        _dockerfilePath = Path.GetFullPath(options.File ?? Path.Combine(_contextPath, "Dockerfile"));
        _sources = new BuildSources(store, options, _contextPath, _dockerfilePath, _stages, cancellationToken);
        _log = new BuildLog(options.Log);
    }

    public BuildResult Build()
    {
        if (!Directory.Exists(_contextPath))
        {
            throw new LayerToolsException("ContextNotFound", ErrorKind.ObjectNotFound, $"The build context '{_contextPath}' {(File.Exists(_contextPath) ? "is a file, not a folder" : "does not exist")}.", _contextPath);
        }

        var tags = _options.Tags.Select(ImageReference.Parse).ToList();

        // One lease for the whole build: the base layers, the cached layers it reuses and the layers
        // it makes stay in the store until the image that references them is committed.
        using var lease = _store.AcquireLease();
        _lease = lease;
        _recorder = new StepRecorder(_store, _options, _cache, lease, _dockerfilePath, _cancellationToken);
        _copy = new CopyStep(_store, _options, _sources, _recorder, _cancellationToken);
        var dockerfile = BuildFile.Load(_dockerfilePath, Path.GetFileName(_dockerfilePath));
        var plan = StagePlanner.Plan(dockerfile, _options.Target, _options.BuildArgs);
        _multiStage = plan.Dockerfile.Stages.Count > 1;
        foreach (var source in _options.CacheFrom)
        {
            RegistryCache.Import(_store, _cache, source, _contextPath, _options.Verbose, _cancellationToken);
        }

        foreach (var planned in plan.Stages)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _stages[planned.Stage.Index] = BuildStage(plan, planned);
        }

        _sources.Save();
        var final = _stages[plan.Target.Stage.Index];
        foreach (var (key, value) in _options.Labels)
        {
            final.Image.SetLabel(key, value);
        }

        var stacks = _stages.Values.Select(s => (IReadOnlyList<string>)s.Image.DiffIds.ToList()).ToList();
        return new BuildResult(Commit(final, tags), Recorder.Steps, new CacheExport(Recorder.UsedSteps.ToList(), stacks));
    }

    private StoredImage Commit(StageState final, IReadOnlyList<ImageReference> tags)
    {
        var created = _options.SourceDateEpoch is { } epoch
            ? DateTimeOffset.FromUnixTimeSeconds(epoch)
            : final.Image.History.Select(h => JsonDocuments.GetDate(h as JsonObject, "created")).Where(d => d is not null).Select(d => d!.Value).DefaultIfEmpty(Recorder.Now()).Max();
        var inline = _options.InlineCache ? InlineCache.ToJson(Recorder.UsedSteps, final.Image.DiffIds.ToHashSet(StringComparer.Ordinal)) : null;
        var configBytes = final.Image.ToConfigBytes(created, inline);
        using var staging = _store.BeginStaging(_lease);
        var manifest = ImageWriter.Write(staging, configBytes, final.Image.DiffIds.Select(d => RemoteLayers.LayerDescriptor(_store, d)).ToList());
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
        var fetched = false;
        var fromImage = planned.BaseStage is null && !planned.BaseImage.Equals("scratch", StringComparison.OrdinalIgnoreCase);
        var counter = BuildLog.Counter(planned.Stage, _multiStage, fromImage, planned.Stage.Instructions);
        var fromStep = fromImage ? _log.Start(counter, "FROM " + planned.BaseImage) : null;
        if (planned.BaseStage is { } baseStage)
        {
            image = _stages[baseStage.Index].Image.Clone();
        }
        else
        {
            var resolved = BuildLogStep.Run(fromStep, () => Wrap(planned.Stage.From, () => BaseImageResolver.Resolve(_store, planned.BaseImage, _contextPath, where, _cancellationToken, _options.Pull, _options.Verbose)));
            fetched = resolved.Fetched;
            var platform = Platform.Parse(planned.Platform, where);
            if (resolved.Config is { } baseConfig && platform is not null && !platform.Matches(baseConfig.Os, baseConfig.Architecture, baseConfig.Variant))
            {
                throw new LayerToolsException("PlatformMismatch", ErrorKind.InvalidArgument, $"{where}: FROM --platform={planned.Platform}, but {planned.BaseImage} is {baseConfig.Os}/{baseConfig.Architecture}{(baseConfig.Variant is null ? string.Empty : "/" + baseConfig.Variant)}; the store holds one platform per image.", planned.Platform);
            }

            if (resolved.Config is not null)
            {
                // Remote layers (a FROM image read from its registry without its layers) have no blob to
                // hold yet; a packed layer (pulled, not unpacked) is held by its compressed blob.
                Lease.Hold(resolved.Config.DiffIds.Select(d => RemoteLayers.HeldBlob(_store, d)).OfType<string>(), $"a layer of {planned.BaseImage}", _cancellationToken);
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
        }

        // The base's ONBUILD triggers run first, whether the base is an image or an earlier stage that
        // declared them (as BuildKit does; found by the onbuild-from-stage case). COPY --from fires none.
        var onBuild = JsonDocuments.GetStringArray(image.RuntimeConfig, "OnBuild");
        image.RuntimeConfig.Remove("OnBuild");
        var scope = StageScope.Start(planned, plan, image.Env, _options.BuildArgs);
        var state = new StageState(planned, image, MakeView, scope, counter);
        var remote = image.DiffIds.Count(d => RemoteLayers.IsInRegistry(_store, d));
        if (remote > 0)
        {
            _options.Verbose?.Invoke($"{where}: {planned.Stage.From.Original}: {remote} of its {image.DiffIds.Count} layer(s) stay in the registry until a step reads the stage's files.");
        }

        var packed = image.DiffIds.Count(d => RemoteLayers.IsPacked(_store, d));
        if (packed > 0)
        {
            _options.Verbose?.Invoke($"{where}: {planned.Stage.From.Original}: {packed} of its {image.DiffIds.Count} layer(s) stay packed (pulled, not unpacked) until a step reads the stage's files.");
        }

        Recorder.Report(state, planned.Stage.From, 0, cached: true, reason: null, diffId: null, size: 0, watch.Elapsed, remote);
        fromStep?.End(cached: !fetched);

        var triggers = onBuild is { Count: > 0 } ? DockerfileParser.ParseTriggers(onBuild, $"ONBUILD of {planned.BaseImage}") : Array.Empty<Instruction>();
        counter.Total += triggers.Count(BuildLog.Shows);
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

    /// <summary>The merged view of a stage's layers, made when a step first reads its files; remote layers are fetched then (and the step that needed them named).</summary>
    private UnionView MakeView(IReadOnlyList<string> diffIds)
    {
        var remote = diffIds.Count(d => RemoteLayers.IsInRegistry(_store, d));
        if (remote > 0)
        {
            _options.Verbose?.Invoke($"{_current}: reads the stage's files: fetching {remote} remote layer(s) from the registry.");
        }

        var packed = diffIds.Count(d => RemoteLayers.IsPacked(_store, d));
        if (packed > 0)
        {
            _options.Verbose?.Invoke($"{_current}: reads the stage's files: unpacking {packed} packed layer(s).");
        }

        return UnionView.Build(diffIds.Select(_store.ReadLayerIndex));
    }

    private void Execute(StageState state, Instruction instruction)
    {
        var step = BuildLog.Shows(instruction) ? _log.Start(state.Counter, instruction.Original) : null;
        var reported = Recorder.Steps.Count;
        BuildLogStep.Run(step, () =>
        {
            Execute(state, instruction, step);
            return 0;
        });
        if (Recorder.Steps.Count > reported)
        {
            step?.End(Recorder.Steps[^1].Cached);
        }
    }

    private void Execute(StageState state, Instruction instruction, BuildLogStep? step)
    {
        _current = $"{Where(instruction)}: {instruction.Original}";
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
                Recorder.HistoryOnly(state, instruction, text, key, index, watch);
                return;
            case CopyInstruction or AddInstruction:
                Copy.Run(state, instruction, (FileInstruction)expanded, key, index, watch);
                return;
            case RunInstruction run:
                RunStep(state, instruction, run, key, index, watch, step);
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
        Recorder.HistoryOnly(state, instruction, createdBy, key, index, watch);
    }

    private void WorkdirStep(StageState state, Instruction instruction, WorkdirInstruction workdir, CacheKey key, int index, Stopwatch watch)
    {
        var path = workdir.Path.StartsWith('/') ? workdir.Path : state.Image.WorkingDir.TrimEnd('/') + "/" + workdir.Path;
        var clean = TarPath.CleanUnderRoot(path);
        state.Image.WorkingDir = "/" + clean;
        var createdBy = "WORKDIR /" + clean;

        // Whether the folder is there is a question about the stage's files. A cache hit answers it
        // without them (the key holds the parent's layers: a record with no layer means it was there),
        // so a cached WORKDIR does not make the view, which would fetch a remote base.
        var cached = !_options.NoCache && !state.Missed && !state.ViewMade ? _cache.Get(key.Digest) : null;
        // A folder the stage's own layers above its remote base hold (COPY --link app /app, WORKDIR /app) is there without the base.
        var exists = cached is not null ? cached.DiffId is null
            : clean.Length == 0 || (!state.ViewMade && RemoteBase.IsDirectoryAbove(_store, state.Image.DiffIds, clean)) || state.View.Lookup(state.View.Resolve(clean)) is { Type: EntryType.Directory };
        if (exists)
        {
            Recorder.HistoryOnly(state, instruction, createdBy, key, index, watch);
            return;
        }

        // The directory is missing: WORKDIR makes it, in a layer of its own.
        Recorder.LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
            w =>
            {
                // Only when the layer is made (a cache hit reads none of the stage's files).
                var owner = state.Image.User is { Length: > 0 } u ? UserDatabase.Resolve(_store, state.View, u, Where(instruction)) : (0, 0);
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

    private void RunStep(StageState state, Instruction instruction, RunInstruction run, CacheKey key, int index, Stopwatch watch, BuildLogStep? step)
    {
        var where = Where(instruction);
        using var mounts = new RunMountSet(_store, run.ParseMounts(state.Scope.Variables), from => _sources.MountSourceFor(state, from, where), _options.Secrets, state.Image.WorkingDir, where, _lease);

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
        Recorder.LayerStep(state, instruction, key, index, watch, createdBy, staging =>
        {
            // RUN reads the stage's files: the view is made now, which fetches (and says so) any remote layer of the stage.
            _ = state.View;
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
                MergeOutput = true,
            };
            var result = RunExecutor.Run(_store, staging, state.Image.DiffIds, request, line =>
            {
                if (tail.Count == 10)
                {
                    tail.Dequeue();
                }

                tail.Enqueue(line.Text);
                step?.Output(line.Text);
            }, _cancellationToken);
            if (result.ExitCode != 0 || result.Layer is null)
            {
                step?.Error($"process \"{string.Join(' ', invocation.Argv)}\" did not complete successfully: exit code: {result.ExitCode}");
                // The command's last lines, unless they were just shown under the step in the log.
                var lines = tail.Count == 0 || _options.LogShown ? string.Empty : Environment.NewLine + string.Join(Environment.NewLine, tail);
                throw new LayerToolsException("RunFailed", ErrorKind.InvalidOperation, $"{where}: RUN {HistoryText.Arguments(instruction)}: the command exited with code {result.ExitCode}.{lines}", instruction.Original);
            }

            return result.Layer;
        }, addInputs: mounts.AddToKey);
    }

    private Lease Lease => _lease ?? throw new InvalidOperationException("The build holds no lease.");

    private StepRecorder Recorder => _recorder ?? throw new InvalidOperationException("The build holds no lease.");

    private CopyStep Copy => _copy ?? throw new InvalidOperationException("The build holds no lease.");

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
