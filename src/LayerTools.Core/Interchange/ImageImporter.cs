using System.Globalization;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Brings images into the store from an OCI layout directory, an OCI archive, a docker-archive
/// (legacy, plain and Docker 25 dual form), a root-filesystem tar, or a directory.
/// Everything is staged and verified first; the store changes only when all of it is good.
/// </summary>
internal static class ImageImporter
{
    /// <summary>An image archive holds a few entries per layer; a tar with more than this many is a root filesystem.</summary>
    public const int MaxArchiveEntries = 100_000;

    /// <summary>The history comment of an image made from a root filesystem tar or folder.</summary>
    public const string ImportComment = "Imported by LayerTools";

    /// <summary>Imports every image found at <paramref name="path"/>. <paramref name="tag"/> names the image when there is exactly one (and is required for a rootfs tar or directory).</summary>
    public static IReadOnlyList<StoredImage> Import(LayerStore store, string path, ImageReference? tag, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var isDirectory = Directory.Exists(full);
        if (!isDirectory && !File.Exists(full))
        {
            throw new LayerToolsException("ImportSourceNotFound", ErrorKind.ObjectNotFound, $"There is no file or folder '{full}' to import.", full);
        }

        var limits = IngestLimits.Default;
        var reporter = new ProgressReporter(progress, $"Importing {Path.GetFileName(full)}");
        using var staging = store.BeginStaging();
        ArchiveSource? source = null;
        try
        {
            reporter.Report("Reading the archive", 0, 1);
            List<ImportCandidate> candidates;
            if (isDirectory)
            {
                source = new DirectoryArchiveSource(full);
                candidates = FindImages(source, limits) ?? [RootFilesystemDirectory(staging, full, tag, cancellationToken)];
            }
            else
            {
                var tar = TarArchiveSource.Open(full, staging.CreateTempPath(), MaxArchiveEntries, limits, cancellationToken);
                source = tar;
                candidates = (tar.Truncated ? null : FindImages(tar, limits)) ?? [RootFilesystemTar(tar, full, tag)];
            }

            if (candidates.Count == 0)
            {
                throw new LayerToolsException("NoImagesFound", ErrorKind.InvalidData, $"'{full}' holds no image LayerTools can import: its index names no image manifest, or none for {HostPlatform.Os}/{HostPlatform.Architecture} whose blobs are present.", full);
            }

            if (tag is not null)
            {
                if (candidates.Count > 1)
                {
                    throw new LayerToolsException("TagNeedsOneImage", ErrorKind.InvalidArgument, $"'{full}' holds {candidates.Count} images; a tag can name only one. Import without a tag, then tag the image you want.", tag.ToString());
                }

                candidates[0].Names.Clear();
                candidates[0].Names.Add(tag);
            }

            var staged = new List<(Descriptor Manifest, IReadOnlyList<ImageReference> Names)>();
            var compressedForms = new List<IngestedLayer>();
            var totalLayers = candidates.Sum(c => c.Layers.Count);
            var layersDone = 0;
            foreach (var candidate in candidates)
            {
                var manifest = Stage(staging, candidate, limits, compressedForms, reporter, () => layersDone++, totalLayers, cancellationToken);
                staged.Add((manifest, candidate.Names.ToList()));
            }

            reporter.Report("Committing to the store", 1, 1);
            staging.Commit(descriptors => Tag(descriptors, staged), cancellationToken);
            CompressedLayerCache.Remember(store, compressedForms);

            reporter.Done($"Imported {staged.Count} image(s)");
            return staged.SelectMany(s => s.Names.Count == 0
                    ? [new StoredImage(ImageCatalog.Tagged(s.Manifest, null), null)]
                    : s.Names.Select(n => new StoredImage(ImageCatalog.Tagged(s.Manifest, n), n)))
                .ToList();
        }
        finally
        {
            source?.Dispose();
        }
    }

    /// <summary>The images of an image archive or layout; null when <paramref name="source"/> is none (a root filesystem).</summary>
    private static List<ImportCandidate>? FindImages(ArchiveSource source, IngestLimits limits)
    {
        if (DockerArchiveReader.IsDockerArchive(source, limits))
        {
            return DockerArchiveReader.Read(source, limits);
        }

        if (OciLayoutReader.IsLayout(source))
        {
            return OciLayoutReader.Read(source, limits);
        }

        return LegacyArchiveReader.IsLegacyArchive(source) ? LegacyArchiveReader.Read(source, limits) : null;
    }

    private static ImportCandidate RootFilesystemTar(TarArchiveSource tar, string path, ImageReference? tag)
    {
        RequireTag(path, tag, "tar");
        var layer = new LayerSource(path, () => new FileStream(tar.TarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16));
        return RootFilesystem(path, layer);
    }

    private static ImportCandidate RootFilesystemDirectory(StagingArea staging, string path, ImageReference? tag, CancellationToken cancellationToken)
    {
        RequireTag(path, tag, "folder");
        var index = staging.AddLayer(writer => DirectoryTarWriter.Write(writer, path, cancellationToken), SourceDateEpoch());
        var layer = new LayerSource(path, index);
        return RootFilesystem(path, layer);
    }

    private static ImportCandidate RootFilesystem(string path, LayerSource layer)
    {
        var created = SourceDateEpoch() is { } epoch ? DateTimeOffset.FromUnixTimeSeconds(epoch) : DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // What a person reading Get-ImageHistory understands: the files were added at the root, as
        // a Dockerfile's ADD would; the comment says which tool did it.
        var createdBy = "ADD " + Path.GetFileName(Path.TrimEndingDirectorySeparator(path)) + " /";
        return new ImportCandidate(path, [layer], null, diffIds =>
            ConfigDocument.Create(diffIds, [new HistoryRecord(created, createdBy, null, ImportComment, false)], created));
    }

    private static void RequireTag(string path, ImageReference? tag, string kind)
    {
        if (tag is null)
        {
            throw new LayerToolsException("TagRequired", ErrorKind.InvalidArgument, $"'{path}' is a root filesystem {kind}, not an image archive; give a tag (name:tag) for the image made from it.", path);
        }
    }

    /// <summary>SOURCE_DATE_EPOCH, as BuildKit reads it, for reproducible times.</summary>
    private static long? SourceDateEpoch() =>
        long.TryParse(Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;

    /// <summary>Stages every layer of an image (or finds it already there), then its config and manifest.</summary>
    private static Descriptor Stage(StagingArea staging, ImportCandidate candidate, IngestLimits limits, List<IngestedLayer> compressedForms, ProgressReporter reporter, Func<int> layerDone, int totalLayers, CancellationToken cancellationToken)
    {
        var view = new UnionView();
        var indexes = new List<LayerIndex>();
        for (var i = 0; i < candidate.Layers.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var done = layerDone();
            var expected = candidate.DiffIds?[i];
            var layer = candidate.Layers[i];
            var status = $"Layer {i + 1} of {candidate.Layers.Count}" + (expected is null ? string.Empty : " " + Digest.Short(expected));
            reporter.Report(status, done, totalLayers);
            var index = layer.Staged ?? (expected is null ? null : Existing(staging, expected));
            if (index is null)
            {
                index = Ingest(staging, layer, view, limits, compressedForms, reporter, status, cancellationToken);
                if (expected is not null && index.DiffId != expected)
                {
                    throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, $"'{layer.Where}': the layer's DiffID is {index.DiffId}, but the image config lists {expected} for layer {i + 1}; the archive is damaged or was altered.", layer.Where);
                }
            }

            view.Apply(index);
            indexes.Add(index);
        }

        var config = candidate.Config(indexes.Select(l => l.DiffId).ToList());
        return ImageWriter.Write(staging, config, indexes, candidate.ConfigMediaType);
    }

    /// <summary>The index of a layer staged already or in the store, so that it is not read again.</summary>
    private static LayerIndex? Existing(StagingArea staging, string diffId)
    {
        if (!staging.HasBlob(diffId))
        {
            return null;
        }

        try
        {
            return staging.ReadLayerIndex(diffId);
        }
        catch (LayerToolsException)
        {
            return null;
        }
    }

    /// <summary>Reads one layer blob once (see <see cref="LayerIngest"/>), with progress; a compressed blob is kept as the layer's compressed form.</summary>
    private static LayerIndex Ingest(StagingArea staging, LayerSource layer, ILowerView lower, IngestLimits limits, List<IngestedLayer> compressedForms, ProgressReporter reporter, string status, CancellationToken cancellationToken)
    {
        using var raw = layer.Open();
        var compression = LayerCodec.Detect(raw, layer.Where);
        var activity = "Layer " + Path.GetFileName(layer.Where);
        using var counted = new ProgressReadStream(raw, reporter.Child(activity, status, raw.Length), cancellationToken);
        var ingested = LayerIngest.Ingest(staging, counted, compression, layer.Where, layer.Digest, layer.Size, lower, limits, cancellationToken);
        compressedForms.Add(ingested);

        reporter.ChildDone(activity, status);
        return ingested.Index;
    }

    /// <summary>Names every staged image in index.json, as one change made under the store lock.</summary>
    private static bool Tag(List<Descriptor> descriptors, List<(Descriptor Manifest, IReadOnlyList<ImageReference> Names)> staged)
    {
        var changed = false;
        foreach (var (manifest, names) in staged)
        {
            if (names.Count == 0)
            {
                changed |= ImageCatalog.ApplyTag(descriptors, ImageCatalog.Tagged(manifest, null));
                continue;
            }

            foreach (var name in names)
            {
                changed |= ImageCatalog.ApplyTag(descriptors, ImageCatalog.Tagged(manifest, name));
            }
        }

        return changed;
    }
}
