using System.Text;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Writes an OCI archive (a tar of an OCI layout) or a docker-archive in Docker 25's dual form (the
/// same layout plus manifest.json and repositories), with the headers <see cref="TarHeaderWriter"/>
/// writes for layers too. The tar is
/// deterministic: small JSON files first, then <c>blobs/sha256/</c>, every entry with mode
/// 0644/0755, owner 0:0 and time 0; every name fits a USTAR header, so no PAX record is written
/// for a blob under 8 GiB. Blob data streams from the store with its size known up front, is hashed
/// on the way and checked against its digest. The archive is written beside the target and renamed
/// over it only when complete.
/// </summary>
internal static class ArchiveFileWriter
{
    public static readonly byte[] OciLayoutBytes = Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}");

    /// <param name="lease">Names the temporary file beside <paramref name="path"/> so that it is removed if the export is killed.</param>
    public static void Write(LayerStore store, ExportPlan plan, string path, bool dockerArchive, ProgressReporter reporter, CancellationToken cancellationToken, Lease lease)
    {
        if (Directory.Exists(path))
        {
            throw new LayerToolsException("ExportTargetIsDirectory", ErrorKind.InvalidArgument, $"'{path}' is a folder; give a file name for the archive, or export as an OCI layout to write into a folder.", path);
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var tmp = lease.OwnedPathBeside(path);
        try
        {
            using (var tar = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
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

                WriteDirectory(tar, "blobs/");
                WriteDirectory(tar, "blobs/sha256/");
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
                        try
                        {
                            TarHeaderWriter.WriteHeader(tar, name, TarHeaderWriter.TypeFile, 0x1A4, 0, 0, blob.Size, 0, null, 0, 0, null);
                            sized.CopyTo(tar, 1 << 16);
                            TarHeaderWriter.WritePadding(tar, blob.Size);
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

                TarHeaderWriter.WriteEnd(tar);

                tar.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }

    private static void WriteSmall(Stream tar, string name, byte[] bytes)
    {
        TarHeaderWriter.WriteHeader(tar, name, TarHeaderWriter.TypeFile, 0x1A4, 0, 0, bytes.Length, 0, null, 0, 0, null);
        tar.Write(bytes);
        TarHeaderWriter.WritePadding(tar, bytes.Length);
    }

    private static void WriteDirectory(Stream tar, string name) =>
        TarHeaderWriter.WriteHeader(tar, name, TarHeaderWriter.TypeDirectory, 0x1ED, 0, 0, 0, 0, null, 0, 0, null);
}
