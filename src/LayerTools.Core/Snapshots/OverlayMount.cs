using LayerTools.Core.HostFs;

namespace LayerTools.Core.Snapshots;

/// <summary>
/// A mounted overlayfs: lower dirs (read-only extracted layers), an upper dir that receives every
/// change, a work dir, and the merged mount point, always nosuid,nodev. Disposing unmounts (lazily if it is busy).
/// The mount goes through util-linux mount(8) started in the folder that holds the layer dirs, so
/// lowerdir can name them relatively (mount options are limited to one page).
/// </summary>
internal sealed class OverlayMount : IDisposable
{

    /// <summary>overlayfs stacks at most 500 lower layers.</summary>
    public const int MaxLowerLayers = 500;

    /// <summary>Mount options are copied into one page (4096 bytes) with the extra flags we add.</summary>
    private const int MaxOptions = 3900;

    private bool _mounted;

    private OverlayMount(string target, string upper, string work)
    {
        Target = target;
        Upper = upper;
        Work = work;
        _mounted = true;
    }

    /// <summary>Tests set this to false to exercise the copy-and-compare fallback.</summary>
    public static bool? SupportedOverride { get; set; }

    /// <summary>
    /// Whether to try overlayfs at all: Linux and root. Whether it really mounts (the module may
    /// load on demand, the store's file system may refuse to be an upper dir) is learnt by trying;
    /// callers fall back on <c>OverlayMountFailed</c>.
    /// </summary>
    public static bool IsSupported => SupportedOverride ?? (OperatingSystem.IsLinux() && LinuxNative.GetEuid() == 0);

    public string Target { get; }

    public string Upper { get; }

    public string Work { get; }

    /// <summary>
    /// Mounts <paramref name="lowerBaseFirst"/> (base layer first) under a fresh upper dir at <paramref name="target"/>.
    /// A <paramref name="throwaway"/> upper (a RUN step's: read once into a layer, then removed) is
    /// mounted volatile where the kernel knows it (5.10+): the unmount then skips syncing the whole
    /// upper file system, and the files, still unwritten, are removed without touching the disk; a
    /// synced upper of 2,000 small files cost ~0.5 s to unmount and seconds to remove on a busy disk.
    /// A container's upper, mounted again later, is never volatile.
    /// </summary>
    public static OverlayMount Mount(IReadOnlyList<string> lowerBaseFirst, string upper, string work, string target, bool throwaway = false)
    {
        if (lowerBaseFirst.Count == 0)
        {
            throw new ArgumentException("overlayfs needs at least one lower directory.", nameof(lowerBaseFirst));
        }

        var commonParent = Path.GetDirectoryName(lowerBaseFirst[0])!;
        var relative = lowerBaseFirst.All(d => Path.GetDirectoryName(d) == commonParent);
        var lower = string.Join(':', lowerBaseFirst.Reverse().Select(d => relative ? Path.GetFileName(d) : d));
        var options = $"lowerdir={lower},upperdir={upper},workdir={work}";
        if (options.Length > MaxOptions)
        {
            // Mount options must fit in one page: name the layers through short links instead
            // ("0", "1", ... beside the work dir), as Docker's overlay2 driver does with its l/ folder.
            commonParent = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(work))!, "lower-links");
            Directory.CreateDirectory(commonParent);
            for (var i = 0; i < lowerBaseFirst.Count; i++)
            {
                File.CreateSymbolicLink(Path.Combine(commonParent, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Path.GetFullPath(lowerBaseFirst[i]));
            }

            relative = true;
            lower = string.Join(':', Enumerable.Range(0, lowerBaseFirst.Count).Reverse().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            options = $"lowerdir={lower},upperdir={upper},workdir={work}";
        }

        if (options.Length > MaxOptions || lowerBaseFirst.Count > MaxLowerLayers)
        {
            throw new LayerToolsException("TooManyLayers", ErrorKind.LimitsExceeded, $"The image has {lowerBaseFirst.Count} layers, more than one overlay mount can stack (at most {MaxLowerLayers}); squash some layers first.", lowerBaseFirst.Count);
        }

        // The merged tree is the image's content, at a folder host users may reach: its setuid files must
        // not raise privileges (nosuid) and its device nodes must not open host devices (nodev). RUN loses
        // nothing by it (its steps run with no-new-privileges, and the runtime mounts its own /dev).
        options += ",nosuid,nodev";
        var mount = HostProcess.Find("mount") ?? throw new LayerToolsException("MountUnavailable", ErrorKind.ResourceUnavailable, "mount(8) (util-linux) is not installed; it is needed to mount overlayfs.");
        // Renamed directories (redirect_dir) and metadata-only copy-ups (metacopy) would leave an
        // upper dir that does not hold the changes by itself: turn them off where the kernel knows them.
        var tries = new List<string> { options + ",redirect_dir=off,metacopy=off,index=off", options };
        if (throwaway)
        {
            tries.Insert(0, tries[0] + ",volatile");
        }

        var (code, error) = (-1, string.Empty);
        foreach (var attempt in tries)
        {
            (code, _, error) = HostProcess.Run(mount, new[] { "-t", "overlay", "overlay", "-o", attempt, target }, relative ? commonParent : null);
            if (code == 0)
            {
                break;
            }
        }

        if (code != 0)
        {
            throw new LayerToolsException("OverlayMountFailed", ErrorKind.ResourceUnavailable, $"Cannot mount overlayfs at '{target}': {error.Trim()}", target);
        }

        return new OverlayMount(target, upper, work);
    }

    public void Dispose()
    {
        if (!_mounted)
        {
            return;
        }

        if (LinuxNative.Umount2(Target, 0) != 0)
        {
            LinuxNative.Umount2(Target, LinuxNative.MntDetach);
        }

        _mounted = false;
    }
}
