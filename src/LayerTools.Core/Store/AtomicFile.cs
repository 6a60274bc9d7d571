namespace LayerTools.Core.Store;

/// <summary>Writes that leave either the old file or the new one, never a torn file.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to a temporary file in <paramref name="tmpDir"/>, flushes it to disk, and renames it over <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes, string tmpDir)
    {
        Directory.CreateDirectory(tmpDir);
        // Named by its writer (pid and start time), so the next command removes it if the writer was killed.
        var tmp = Path.Combine(tmpDir, Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + "." + ProcessIdentity.Current + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
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

    /// <summary>Moves a finished file into its content-addressed place; when the place is taken, the content is the same, so the new copy is dropped.</summary>
    public static void MoveIntoPlace(string source, string destination)
    {
        if (File.Exists(destination))
        {
            TryDelete(source);
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        try
        {
            File.Move(source, destination, overwrite: false);
        }
        catch (IOException) when (File.Exists(destination))
        {
            TryDelete(source);
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
