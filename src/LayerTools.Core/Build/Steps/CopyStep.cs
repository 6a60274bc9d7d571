using System.Diagnostics;
using System.Globalization;
using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Copy;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// COPY and ADD as build steps: the sources (the context, a stage, an image; local archives ADD
/// extracts), owner and mode, the cache key from the files' digests (a file never hashed is hashed
/// while the layer is written, and the layer dropped if the key then hits), heredoc contents.
/// </summary>
internal sealed class CopyStep
{
    private readonly LayerStore _store;
    private readonly BuildOptions _options;
    private readonly BuildSources _sources;
    private readonly StepRecorder _recorder;
    private readonly CancellationToken _cancellationToken;

    public CopyStep(LayerStore store, BuildOptions options, BuildSources sources, StepRecorder recorder, CancellationToken cancellationToken)
    {
        _store = store;
        _options = options;
        _sources = sources;
        _recorder = recorder;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Runs one COPY or ADD (its instruction already expanded) as a layer step.</summary>
    public void Run(StageState state, Instruction instruction, FileInstruction copy, CacheKey key, int index, Stopwatch watch)
    {
        var where = instruction.Location.ToString();
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
            source = _sources.From(state, from, where);
            fromImage = true;
        }
        else
        {
            source = _sources.Context;
        }

        (int, int)? owner = copy.Chown is { Length: > 0 } chown ? UserDatabase.Resolve(_store, () => state.View, chown, where) : null;
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

        // COPY --link makes a layer that does not depend on what is below it (as BuildKit's): planned over
        // an empty tree, so it never reads the stage's files (which may still be remote layers).
        var below = copy.Link ? new Union.UnionView() : state.View;

        var plan = CopyPlan.Create(request, source, below, _options.SourceDateEpoch, keepSourceOwner: fromImage, unpack);
        var createdBy = HistoryText.Copy(copy);
        key.Add("destination", copy.Destination).Add("workdir", state.Image.WorkingDir);
        if (plan.Archives.Count > 0)
        {
            key.Add("chown", owner is { } o ? o.Item1 + ":" + o.Item2 : string.Empty);
            var createdTime = _options.SourceDateEpoch ?? plan.Archives.Max(a => a.ModifiedTime);

            // As for COPY: an archive never hashed is hashed while it is extracted (one read), and the
            // layer is dropped if the key then hits.
            var unknown = source is ContextCopySource context && (plan.Files.Any(f => !context.HasKnownDigest(f.Source!)) || plan.Archives.Any(a => !context.HasKnownDigest(a)));
            _recorder.LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
                w =>
                {
                    plan.Write(w, source);
                    var unpacker = new ArchiveUnpacker(w, below, plan.Entries, owner, createdTime);
                    foreach (var archive in plan.Archives)
                    {
                        // Buffered: a decompressor reads in small pieces (the context's files open unbuffered).
                        var raw = new Digests.HashingStream(new BufferedStream(source.Open(archive), 81920));
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
        _recorder.LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(w => plan.Write(w, source), _options.SourceDateEpoch), addInputs: k => plan.AddToKey(k, source), speculative: speculative);
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
        _recorder.LayerStep(state, instruction, key, index, watch, createdBy, staging => staging.AddLayer(
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
}
