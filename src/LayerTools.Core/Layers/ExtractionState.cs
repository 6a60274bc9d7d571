using static LayerTools.Core.HostFs.LinuxNative;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Layers;

/// <summary>What one extraction run remembers: the root, what it made, and the directory times to set last.</summary>
internal sealed class ExtractionState
{
    public ExtractionState(SafeRoot root, string source, bool overlayForm)
    {
        Root = root;
        Source = source;
        OverlayForm = overlayForm;
        IsRoot = GetEuid() == 0;
    }

    public SafeRoot Root { get; }

    public string Source { get; }

    public bool OverlayForm { get; }

    /// <summary>Ownership and device nodes need privilege; without it they are skipped, as Docker does.</summary>
    public bool IsRoot { get; }

    public int Count { get; set; }

    /// <summary>Inodes this layer made, so an opaque marker empties only what lower layers left.</summary>
    public HashSet<ulong> Created { get; } = new();

    /// <summary>Directory mtimes, set after all entries (adding children changes them).</summary>
    public List<(string Path, long ModifiedTime)> DirectoryTimes { get; } = new();

    public ILowerView? Lower { get; init; }

    public Func<string, string?>? LowerFile { get; init; }

    public void FinishDirectoryTimes()
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        for (var i = DirectoryTimes.Count - 1; i >= 0; i--)
        {
            var (path, time) = DirectoryTimes[i];
            if (!done.Add(path))
            {
                continue;
            }

            var fd = Root.TryOpenDirectory(path);
            if (fd >= 0)
            {
                Futimens(fd, time, 0);
                Close(fd);
            }
        }
    }
}
