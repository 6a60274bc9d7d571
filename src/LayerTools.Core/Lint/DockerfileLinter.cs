using System.Globalization;
using System.Text;
using LayerTools.Core.Analysis;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Lint;

/// <summary>
/// Test-Dockerfile: checks a Dockerfile against the rules of <see cref="LintRules"/> and, given an image
/// built from it, grounds the findings in the image's layers (the layer each instruction made, the bytes
/// a package cache holds there, the bytes later layers delete). Findings come sorted by line, then rule.
/// <c># layertools-ignore=</c> comments are honoured (<see cref="IgnoreComments"/>).
/// </summary>
internal sealed class DockerfileLinter
{
    private readonly Dockerfile _dockerfile;
    private readonly IgnoreComments _ignore;
    private readonly HashSet<string> _enabled;
    private readonly LayerMap? _layers;
    private readonly LintOptions _options;
    private readonly string? _dockerfilePath;
    private readonly List<DockerfileFinding> _findings = new();
    private readonly Dictionary<string, LayerIndex> _indexes = new(StringComparer.Ordinal);

    private DockerfileLinter(Dockerfile dockerfile, string text, LintOptions options, string? dockerfilePath)
    {
        _dockerfile = dockerfile;
        _options = options;
        _dockerfilePath = dockerfilePath;
        _ignore = new IgnoreComments(text, dockerfile.Instructions.Count > 0 ? dockerfile.Instructions[0].Location.StartLine : 1);
        _enabled = EnabledRules(options);
        if (options.Store is not null && options.Image is not null)
        {
            _layers = LayerMap.Build(dockerfile, new ImageCatalog(options.Store), options.Image);
        }
    }

    /// <summary>Checks the Dockerfile at <paramref name="path"/> (named <paramref name="displayName"/> in findings and errors).</summary>
    public static IReadOnlyList<DockerfileFinding> CheckFile(string path, LintOptions options, string? displayName = null, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var kind = ex is FileNotFoundException or DirectoryNotFoundException ? ErrorKind.ObjectNotFound : ErrorKind.ReadError;
            throw new LayerToolsException("DockerfileNotFound", kind, $"Cannot read the Dockerfile '{path}': {ex.Message}", path, ex);
        }

        var context = options.ContextPath ?? Path.GetDirectoryName(Path.GetFullPath(path));
        var withContext = new LintOptions { ContextPath = context, Store = options.Store, Image = options.Image, Rules = options.Rules, ExcludeRules = options.ExcludeRules };
        return Check(text, displayName ?? path, withContext, path, cancellationToken);
    }

    /// <summary>Checks Dockerfile text; <paramref name="file"/> names it. Parse errors throw DockerfileParseError with file:line.</summary>
    public static IReadOnlyList<DockerfileFinding> Check(string text, string file, LintOptions options, string? dockerfilePath = null, CancellationToken cancellationToken = default)
    {
        var dockerfile = DockerfileParser.Parse(text, file);
        var linter = new DockerfileLinter(dockerfile, text, options, dockerfilePath);
        linter.Run(cancellationToken);
        return linter._findings
            .OrderBy(f => f.Line)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ToList();
    }

    private static HashSet<string> EnabledRules(LintOptions options)
    {
        LintRule Lookup(string id) => LintRules.Find(id.Trim()) ?? throw new LayerToolsException(
            "UnknownRuleId",
            ErrorKind.InvalidArgument,
            $"There is no rule '{id}'. The rules are {string.Join(", ", LintRules.All.Select(r => r.Id))} (Get-Help Test-Dockerfile -Full describes them).",
            id);

        var enabled = options.Rules.Count == 0
            ? LintRules.All.Select(r => r.Id).ToHashSet(StringComparer.Ordinal)
            : options.Rules.Select(r => Lookup(r).Id).ToHashSet(StringComparer.Ordinal);
        foreach (var excluded in options.ExcludeRules)
        {
            enabled.Remove(Lookup(excluded).Id);
        }

        return enabled;
    }

    private void Run(CancellationToken cancellationToken)
    {
        var stageNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in _dockerfile.Stages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            CheckFrom(stage.From, stageNames);
            if (stage.Name is not null)
            {
                stageNames.Add(stage.Name);
            }

            CheckStage(stage);
        }

        foreach (var arg in _dockerfile.GlobalArgs)
        {
            CheckSecrets(arg, arg.Arguments.Select(a => a.Name));
        }

        CheckContext();
        if (_layers is not null)
        {
            CheckWaste(cancellationToken);
        }
    }

    private void CheckStage(DockerfileStage stage)
    {
        Instruction? previous = null;
        FileInstruction? wholeContext = null;
        foreach (var instruction in stage.Instructions)
        {
            switch (instruction)
            {
                case RunInstruction run:
                    CheckRun(run, previous, wholeContext);
                    break;
                case AddInstruction add:
                    CheckAdd(add);
                    break;
                case EnvInstruction env:
                    CheckSecrets(env, env.Variables.Select(v => v.Key));
                    break;
                case ArgInstruction arg:
                    CheckSecrets(arg, arg.Arguments.Select(a => a.Name));
                    break;
                case WorkdirInstruction workdir:
                    CheckWorkdir(workdir);
                    break;
                case MaintainerInstruction maintainer:
                    Report(LintRules.Maintainer, maintainer, "MAINTAINER is deprecated; the image's authors belong in a label.");
                    break;
            }

            if (wholeContext is null && instruction is FileInstruction file && IsWholeContext(file))
            {
                wholeContext = file;
            }

            previous = instruction;
        }

        foreach (var kind in new[] { InstructionKind.Cmd, InstructionKind.Entrypoint })
        {
            var all = stage.Instructions.Where(i => i.Kind == kind).ToList();
            var name = kind.ToString().ToUpperInvariant();
            foreach (var overridden in all.Take(all.Count - 1))
            {
                Report(LintRules.RepeatedCommand, overridden, $"This {name} has no effect: the {name} on line {all[^1].Location.StartLine} replaces it.");
            }
        }
    }

    private void CheckFrom(FromInstruction from, HashSet<string> stageNames)
    {
        string image;
        try
        {
            var globals = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var def in _dockerfile.GlobalArgs.SelectMany(a => a.Arguments))
            {
                if (def.DefaultValue is not null)
                {
                    globals[def.Name] = def.DefaultValue;
                }
            }

            image = from.Expand(globals).Image;
        }
        catch (LayerToolsException)
        {
            return;
        }

        if (image.Length == 0 || image.Contains('$', StringComparison.Ordinal) || string.Equals(image, "scratch", StringComparison.OrdinalIgnoreCase)
            || stageNames.Contains(image) || image.Contains('@', StringComparison.Ordinal))
        {
            return;
        }

        var lastPart = image[(image.LastIndexOf('/') + 1)..];
        var colon = lastPart.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            Report(LintRules.UnpinnedBase, from, $"The base image '{image}' has no tag: it means :latest, which moves.");
        }
        else if (string.Equals(lastPart[(colon + 1)..], "latest", StringComparison.Ordinal))
        {
            Report(LintRules.UnpinnedBase, from, $"The base image '{image}' uses the :latest tag, which moves.");
        }
    }

    private void CheckRun(RunInstruction run, Instruction? previous, FileInstruction? wholeContext)
    {
        var shell = ShellCommands.Of(run);
        var cacheMount = run.Mounts.Any(m => m.Contains("type=cache", StringComparison.OrdinalIgnoreCase));

        if (shell.Calls(new[] { "apt-get", "apt" }, "update") && !shell.Calls(new[] { "apt-get", "apt" }, "install"))
        {
            Report(LintRules.AptUpdateAlone, run, "apt-get update runs without apt-get install in the same RUN: its layer is cached and later installs use stale package lists.");
        }

        foreach (var manager in PackageManager.All.Where(m => m.Installs(shell) && !m.Cleans(shell)))
        {
            if (cacheMount)
            {
                break;
            }

            var message = $"{manager.Name} installs packages and this RUN leaves the package lists and cache in the layer; end it with {manager.CleanCommand}.";
            long? bytes = null;
            if (_layers is not null && _layers.TryGet(run, out var layer, out var diffId))
            {
                var sizes = manager.CachePaths.Select(p => (Path: p, Bytes: BytesUnder(diffId, p))).Where(p => p.Bytes > 0).ToList();
                if (sizes.Count > 0)
                {
                    bytes = sizes.Sum(s => s.Bytes);
                    var where = string.Join(" and ", sizes.Select(s => $"/{s.Path} holds {ByteText.Of(s.Bytes)}"));
                    message = $"{where} in layer {layer}, from line {run.Location.StartLine}: {manager.Name} installs packages and this RUN leaves its lists and cache in the layer; end it with {manager.CleanCommand}.";
                }
            }

            Report(LintRules.PackageCacheLeft, run, message, bytes);
        }

        if (wholeContext is not null)
        {
            var installer = DependencyInstaller.Find(shell);
            if (installer is not null)
            {
                Report(LintRules.ManifestNotFirst, run, $"{installer.Name} installs dependencies after line {wholeContext.Location.StartLine} copies the whole context: any source change reruns the install. COPY {string.Join(" ", installer.Manifests.Take(2))} first, install, then COPY the rest.");
            }
            else if (PackageManager.All.FirstOrDefault(m => m.Installs(shell)) is { } manager)
            {
                Report(LintRules.ContextBeforeInstall, run, $"{manager.Name} installs system packages after line {wholeContext.Location.StartLine} copies the whole context: any source change reruns the install. Move this RUN above that {wholeContext.Kind.ToString().ToUpperInvariant()}.");
            }
        }

        if (previous is RunInstruction before && SameFlags(before, run))
        {
            Report(LintRules.ConsecutiveRun, run, $"This RUN follows the RUN on line {before.Location.StartLine}: the two could be one layer.");
        }

        if (shell.Calls("cd").Any())
        {
            Report(LintRules.CdInRun, run, "cd changes directory only for this RUN; WORKDIR says where the next steps run.");
        }
    }

    private void CheckAdd(AddInstruction add)
    {
        if (add.Checksum is not null || add.KeepGitDir || add.Unpack is not null || add.Sources.Count == 0)
        {
            return;
        }

        static bool IsRemote(string s) => s.Contains("://", StringComparison.Ordinal) || s.StartsWith("git@", StringComparison.Ordinal);
        static bool IsArchive(string s)
        {
            var name = s.ToLowerInvariant();
            return new[] { ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".gz", ".bz2", ".xz", ".zst", ".lz4", ".tar.lz4" }.Any(e => name.EndsWith(e, StringComparison.Ordinal))
                || name.EndsWith('*');
        }

        if (add.Sources.All(s => !IsRemote(s) && !IsArchive(s)))
        {
            Report(LintRules.AddForCopy, add, $"ADD {string.Join(" ", add.Sources)} copies local files that are not archives: COPY does that.");
        }
    }

    private void CheckSecrets(Instruction instruction, IEnumerable<string> names)
    {
        string[] markers = { "PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL", "AUTH_KEY" };
        string[] harmless = { "_FILE", "_PATH", "_DIR", "_URL", "_LENGTH" };
        foreach (var name in names)
        {
            var upper = name.ToUpperInvariant().Replace('-', '_');
            var marker = markers.FirstOrDefault(m => upper.Contains(m, StringComparison.Ordinal));
            if (marker is not null && !harmless.Any(h => upper.EndsWith(h, StringComparison.Ordinal)))
            {
                var where = instruction is EnvInstruction ? "ENV values are stored in the image config for anyone who pulls it" : "ARG values are recorded in the image history of the steps that use them";
                Report(LintRules.SecretVariable, instruction, $"{instruction.Kind.ToString().ToUpperInvariant()} {name} looks like a secret ({marker}): {where}.");
            }
        }
    }

    private void CheckWorkdir(WorkdirInstruction workdir)
    {
        var path = workdir.Path.Trim().Trim('"', '\'');
        var windows = path.Length >= 2 && char.IsLetter(path[0]) && path[1] == ':';
        if (path.Length > 0 && path[0] is not ('/' or '$' or '\\') && !windows)
        {
            Report(LintRules.RelativeWorkdir, workdir, $"WORKDIR {path} is relative: it lands under whatever the working directory was before.");
        }
    }

    private void CheckContext()
    {
        if (_options.ContextPath is null || !_enabled.Contains(LintRules.ThinDockerignore.Id))
        {
            return;
        }

        var copy = _dockerfile.Stages.SelectMany(s => s.Instructions).OfType<FileInstruction>().FirstOrDefault(IsWholeContext);
        if (copy is null)
        {
            return;
        }

        var found = DockerignoreCheck.Find(_options.ContextPath, _dockerfilePath, out var matcher);
        foreach (var (name, files, bytes) in found)
        {
            var ignore = matcher.Source is null ? "there is no .dockerignore" : $"{Path.GetFileName(matcher.Source)} does not exclude it";
            var count = string.Create(CultureInfo.InvariantCulture, $"{files} files, {ByteText.Of(bytes)}");
            Report(LintRules.ThinDockerignore, copy, $"The context holds {name}/ ({count}) and {ignore}: this {copy.Kind.ToString().ToUpperInvariant()} sends it into the image. Add '{name}' to .dockerignore.");
        }
    }

    private void CheckWaste(CancellationToken cancellationToken)
    {
        if (!_enabled.Contains(LintRules.WastedLayerBytes.Id) || _layers is null || _layers.Count == 0)
        {
            return;
        }

        var analysis = ImageAnalyzer.Analyze(_options.Store!, _options.Image!, top: 20, cancellationToken);
        foreach (var wasted in analysis.WastedPaths)
        {
            var adder = wasted.LayerIndexes.Min();
            var remover = wasted.LayerIndexes.Max();
            var removing = _layers.InstructionOf(remover);
            var what = wasted.Removed ? "deletes" : "overwrites";
            var by = removing is null ? $"layer {remover}" : $"line {removing.Location.StartLine} (layer {remover})";
            if (_layers.InstructionOf(adder) is { } adding)
            {
                Report(LintRules.WastedLayerBytes, adding, $"{wasted.LayerPath}: {ByteText.Of(wasted.WastedBytes)} added in layer {adder}, from line {adding.Location.StartLine}; {by} {what} them, yet the image still carries them.", wasted.WastedBytes);
            }
            else if (removing is not null)
            {
                Report(LintRules.WastedLayerBytes, removing, $"{wasted.LayerPath}: this step {what} {ByteText.Of(wasted.WastedBytes)} of the base image (layer {adder}); the image still carries them.", wasted.WastedBytes);
            }
        }
    }

    private long BytesUnder(string diffId, string path)
    {
        if (!_indexes.TryGetValue(diffId, out var index))
        {
            index = _options.Store!.ReadLayerIndex(diffId);
            _indexes[diffId] = index;
        }

        var prefix = path + "/";
        return index.Entries
            .Where(e => e.Type == EntryType.File && (e.Path == path || e.Path.StartsWith(prefix, StringComparison.Ordinal)))
            .Sum(e => e.Size);
    }

    private static bool IsWholeContext(FileInstruction file) =>
        (file is not CopyInstruction { From: not null }) && file.Sources.Any(s => s.Trim() is "." or "./" or "*" or "./*" or "./.");

    private static bool SameFlags(RunInstruction a, RunInstruction b) =>
        a.Flags.Select(f => f.ToString()).SequenceEqual(b.Flags.Select(f => f.ToString()), StringComparer.Ordinal);

    private void Report(LintRule rule, Instruction instruction, string message, long? bytes = null)
    {
        if (!_enabled.Contains(rule.Id) || _ignore.IsIgnored(rule.Id, instruction.Location.StartLine))
        {
            return;
        }

        int? layer = null;
        string? diffId = null;
        if (_layers is not null && _layers.TryGet(instruction, out var l, out var d))
        {
            layer = l;
            diffId = d;
        }

        _findings.Add(new DockerfileFinding
        {
            RuleId = rule.Id,
            RuleName = rule.Name,
            Severity = rule.Severity,
            File = _dockerfile.File,
            Line = instruction.Location.StartLine,
            Instruction = instruction.Original,
            Message = message,
            Fix = rule.Fix,
            Layer = layer,
            DiffId = diffId,
            Bytes = layer is null ? null : bytes,
            Image = layer is null ? null : _layers!.Label,
        });
    }
}
