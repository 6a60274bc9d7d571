using System.Formats.Tar;
using System.Text;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes an OCI archive (a tar of an OCI layout) or a docker-archive in Docker 25's dual form (the
/// same layout plus manifest.json and repositories), through System.Formats.Tar. The tar is
/// deterministic: small JSON files first, then <c>blobs/sha256/</c>, every entry with mode
/// 0644/0755, owner 0:0 and time 0; every name fits a USTAR header, so no PAX record is written
/// for a blob under 8 GiB. Blob data streams from the store with its size known up front, is hashed
/// on the way and checked against its digest. The archive is written beside the target and renamed
/// over it only when complete.
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
                using (var tar = new TarWriter(file, TarEntryFormat.Ustar, leaveOpen: true))
                {
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

                    tar.WriteEntry(ReproducibleTarEntry.Create(TarEntryType.Directory, "blobs/", 0x1ED, 0, 0, 0));
                    tar.WriteEntry(ReproducibleTarEntry.Create(TarEntryType.Directory, "blobs/sha256/", 0x1ED, 0, 0, 0));
                    long done = 0;
                    var total = plan.TotalBytes;
                    foreach (var blob in plan.Blobs)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var before = done;
                        var status = $"Writing {blob.What} {blob.Digest}";
                        reporter.Report(status, done, total);
                        using var data = blob.Open(store);
                        var name = OciLayoutReader.BlobPath(blob.Digest);
                        using (var counted = new ProgressReadStream(data, n => reporter.Report(status, before + n, total), cancellationToken))
                        using (var sized = new TarDataStream(counted, blob.Size, name, hash: false))
                        {
                            var entry = ReproducibleTarEntry.Create(TarEntryType.RegularFile, name, 0x1A4, 0, 0, 0, blob.Size);
                            entry.DataStream = blob.Size > 0 ? sized : null;
                            try
                            {
                                tar.WriteEntry(entry);
                            }
                            catch (LayerToolsException ex) when (ex.ErrorId == "FileChangedWhileCopying")
                            {
                                // A store blob shorter than its size: say that the store is damaged.
                                blob.Verify(store, data);
                                throw;
                            }
                        }

                        // A store blob longer than its descriptor says is damaged too: read one byte past the end, so Verify sees it.
                        _ = data.ReadByte();
                        blob.Verify(store, data);
                        done += blob.Size;
                    }
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    private static void WriteSmall(TarWriter tar, string name, byte[] bytes)
    {
        var entry = ReproducibleTarEntry.Create(TarEntryType.RegularFile, name, 0x1A4, 0, 0, 0, bytes.Length);
        entry.DataStream = new MemoryStream(bytes, writable: false);
        tar.WriteEntry(entry);
    }
}
