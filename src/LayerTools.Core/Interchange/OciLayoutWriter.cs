using System.Text.Json.Nodes;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes images into an OCI image layout directory: a new one, or an existing layout they are
/// added to (as skopeo does: an entry with the same ref name is replaced, others are kept). Blobs
/// already there are not written again; every file is written beside its place and renamed in,
/// oci-layout first and index.json last, so a reader never sees a manifest whose blobs are missing
/// and a killed export's retry finds a layout to add to.
/// </summary>
internal static class OciLayoutWriter
{
    /// <summary>
    /// Checks that <paramref name="path"/> can take the images (a new or empty folder, or a layout) before
    /// anything is written; returns the index.json of a layout already there (null otherwise).
    /// </summary>
    public static JsonObject? Check(string path)
    {
        if (File.Exists(path))
        {
            throw new LayerToolsException("ExportTargetIsFile", ErrorKind.InvalidArgument, $"'{path}' is a file; an OCI layout is a folder. Give a folder path, or export as an OCI archive to write a file.", path);
        }

        return ReadExisting(path, Path.Combine(path, "oci-layout"), Path.Combine(path, "index.json"));
    }

    /// <summary>
    /// Makes the layout's folder and its oci-layout file (first: a folder that holds anything of ours is a
    /// layout, so the retry of a killed export adds to it) and <c>blobs/sha256</c>, which it returns.
    /// Safe to call again.
    /// </summary>
    public static string Open(string path, Lease lease)
    {
        var layoutFile = Path.Combine(path, "oci-layout");
        Directory.CreateDirectory(path);
        if (!File.Exists(layoutFile))
        {
            AtomicFile.WriteVia(layoutFile, ArchiveFileWriter.OciLayoutBytes, lease.OwnedPathBeside(layoutFile));
        }

        var blobs = Path.Combine(path, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        return blobs;
    }

    /// <summary>
    /// Writes the plan's images into the layout at <paramref name="path"/> (checked by <see cref="Check"/>,
    /// which gave <paramref name="existing"/>); a blob already there with its size (one the plan wrote as it
    /// compressed it) is kept. Every temporary file there belongs to <paramref name="lease"/>, so a killed
    /// export leaves none after the next command.
    /// </summary>
    public static void Write(LayerStore store, ExportPlan plan, string path, JsonObject? existing, ProgressReporter reporter, CancellationToken cancellationToken, Lease lease)
    {
        var indexFile = Path.Combine(path, "index.json");
        var blobs = Open(path, lease);
        long done = 0;
        var total = plan.TotalBytes;
        foreach (var blob in plan.Blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            reporter.Report($"Writing {blob.What} {blob.Digest}", done, total);
            var target = Path.Combine(blobs, Digests.Digest.Hex(blob.Digest));
            if (!(File.Exists(target) && new FileInfo(target).Length == blob.Size))
            {
                WriteBlob(store, lease, blob, target, n => reporter.Report($"Writing {blob.What} {blob.Digest}", done + n, total), cancellationToken);
            }

            done += blob.Size;
        }

        var ours = plan.IndexDescriptors();
        var names = ours.Select(RefName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var digests = ours.Select(d => d.Digest).ToHashSet(StringComparer.Ordinal);
        var kept = existing is null
            ? []
            : LayerStore.ManifestDescriptors(existing, indexFile)
                .Where(d => RefName(d) is { } name ? !names.Contains(name) : !digests.Contains(d.Digest))
                .ToList();
        AtomicFile.WriteVia(indexFile, ExportPlan.IndexJson(existing, kept.Concat(ours)), lease.OwnedPathBeside(indexFile));
    }

    private static string? RefName(Descriptor d) => d.Annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var name) ? name : null;

    /// <summary>The index.json of a layout already at <paramref name="path"/>; null for a new or empty folder.</summary>
    private static JsonObject? ReadExisting(string path, string layoutFile, string indexFile)
    {
        if (!Directory.Exists(path))
        {
            return null;
        }

        if (!File.Exists(layoutFile))
        {
            if (Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw new LayerToolsException("ExportTargetNotEmpty", ErrorKind.ResourceExists, $"'{path}' is a folder that holds files but no OCI layout; give an empty or new folder, or an existing OCI layout to add to.", path);
            }

            return null;
        }

        if (!File.Exists(indexFile))
        {
            return null;
        }

        var info = new FileInfo(indexFile);
        if (info.Length > IngestLimits.Default.MaxConfigBytes)
        {
            throw new LayerToolsException("ArchiveEntryTooLarge", ErrorKind.LimitsExceeded, $"'{indexFile}' is {info.Length} bytes, more than the {IngestLimits.Default.MaxConfigBytes} allowed for an index.", indexFile);
        }

        return JsonDocuments.ParseObject(File.ReadAllBytes(indexFile), indexFile, "InvalidIndex");
    }

    private static void WriteBlob(LayerStore store, Lease lease, ExportBlob blob, string target, Action<long> progress, CancellationToken cancellationToken)
    {
        var tmp = lease.OwnedPathBeside(target);
        try
        {
            using (var data = blob.Open(store))
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var buffer = new byte[1 << 17];
                long copied = 0;
                int n;
                while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    file.Write(buffer, 0, n);
                    copied += n;
                    progress(copied);
                }

                blob.Verify(store, data);
                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, target, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }
}
