using LayerTools.Core.HostFs;

namespace LayerTools.Core.Store;

/// <summary>Writes that leave either the old file or the new one, never a torn file.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="bytes"/> to a temporary file in <paramref name="tmpDir"/>, flushes it to disk, and renames it over <paramref name="path"/>.
    /// A file of a store gets the store's modes (<paramref name="access"/>); without one (an export) the umask decides.
    /// </summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, string tmpDir, StoreAccess? access = null)
    {
        var tmp = TempFor(path, tmpDir, access);
        WriteVia(path, bytes, tmp, access);
    }

    /// <summary>As <see cref="WriteAllBytes"/>, the content written by <paramref name="write"/> as it is made (buffered), never held whole.</summary>
    public static void Write(string path, Action<Stream> write, string tmpDir, StoreAccess? access = null)
    {
        var tmp = TempFor(path, tmpDir, access);
        try
        {
            using (var fs = access?.CreateFile(tmp) ?? new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private static string TempFor(string path, string tmpDir, StoreAccess? access)
    {
        if (access is null)
        {
            Directory.CreateDirectory(tmpDir);
        }
        else
        {
            access.CreateFolder(tmpDir);
        }

        // Named by its writer (pid and start time), so the next command removes it if the writer was killed.
        return Path.Combine(tmpDir, Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + "." + ProcessIdentity.Current + ".tmp");
    }

    /// <summary>As <see cref="WriteAllBytes"/>, through the temporary file <paramref name="tmp"/> the caller named (one its lease owns).</summary>
    public static void WriteVia(string path, ReadOnlySpan<byte> bytes, string tmp, StoreAccess? access = null)
    {
        try
        {
            using (var fs = access?.CreateFile(tmp) ?? new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>
    /// Moves a finished file (its data already flushed to disk) into its content-addressed place, sealed
    /// with the store's mode for immutable files. When the place is taken the content is the same: the
    /// source is left where it is and false returned, so that the caller deletes it once it let go of the
    /// store lock (unlinking a large layer takes a while, and other writers wait for the lock).
    /// </summary>
    public static bool MoveIntoPlace(string source, string destination, StoreAccess access)
    {
        if (File.Exists(destination))
        {
            return false;
        }

        access.CreateFolder(Path.GetDirectoryName(destination)!);
        access.Seal(source);
        try
        {
            File.Move(source, destination, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(destination))
        {
            return false;
        }
    }

    /// <summary>
    /// Flushes a file already written and closed to disk (fsync), so that a name given to it afterwards
    /// never names an empty or torn file after a power loss (ext4 allocates a new file's blocks lazily).
    /// </summary>
    public static void FlushToDisk(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 1);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Makes the names created or renamed in <paramref name="folder"/> durable (fsync of the folder, on
    /// Linux): what a commit renamed into place survives a power loss once this returns.
    /// </summary>
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsLinux())
        {
            LinuxNative.SyncFolder(folder);
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
