using System.Text;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes an OCI archive (a tar of an OCI layout) or a docker-archive in Docker 25's dual form (the
/// same layout plus manifest.json and repositories). The tar is deterministic: small JSON files
/// first, then <c>blobs/sha256/</c>, every entry with mode 0644/0755, owner 0:0 and time 0. It is
/// written beside the target and renamed over it only when complete.
/// </summary>
internal static class ArchiveFileWriter
{
    public static readonly byte[] OciLayoutBytes = Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}");

    public static void Write(LayerStore store, ExportPlan plan, string path, bool dockerArchive, ProgressReporter reporter, CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new LayerToolsException("ExportTargetIsDirectory", ErrorKind.InvalidArgument, $"'{path}' is a folder; give a file name for the archive, or export as an OCI layout to write into a folder.", path);
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var tmp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var tar = new TarStreamWriter(file);
                WriteSmall(tar, "oci-layout", OciLayoutBytes);
                WriteSmall(tar, "index.json", ExportPlan.IndexJson(null, plan.IndexDescriptors()));
                if (dockerArchive)
                {
                    WriteSmall(tar, "manifest.json", plan.DockerManifestJson());
                    if (plan.RepositoriesJson() is { } repositories)
                    {
                        WriteSmall(tar, "repositories", repositories);
                    }
                }

                tar.Write(new TarRecord("blobs", EntryType.Directory, 0x1ED, 0, 0));
                tar.Write(new TarRecord("blobs/sha256", EntryType.Directory, 0x1ED, 0, 0));
                long done = 0;
                var total = plan.TotalBytes;
                foreach (var blob in plan.Blobs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var before = done;
                    reporter.Report($"Writing {blob.What} {blob.Digest}", done, total);
                    using var data = blob.Open(store);
                    tar.Write(new TarRecord(OciLayoutReader.BlobPath(blob.Digest), EntryType.File, 0x1A4, blob.Size, 0), data, n => reporter.Report($"Writing {blob.What} {blob.Digest}", before + n, total), cancellationToken);
                    blob.Verify(store, data);
                    done += blob.Size;
                }

                tar.Finish();
                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    private static void WriteSmall(TarStreamWriter tar, string name, byte[] bytes)
    {
        using var data = new MemoryStream(bytes, writable: false);
        tar.Write(new TarRecord(name, EntryType.File, 0x1A4, bytes.Length, 0), data);
    }
}
