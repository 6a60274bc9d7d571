using System.Diagnostics;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Snapshots;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Run;

/// <summary>
/// A RUN step, end to end: the parent image's layers (from the snapshot cache) mounted as overlay
/// lower dirs under a fresh upper and work dir in the store's tmp folder, the command run there in
/// new namespaces, the overlay unmounted, the runtime's mount-point stubs removed, and the upper dir
/// written as a layer straight into the staging area by its <see cref="LayerTarWriter"/>, which
/// indexes it on the way (one pass, never parsed back). Without overlayfs the layers are extracted into a private copy and the changes found by
/// comparing before and after. Everything it made is removed afterwards, on failure and on cancel too.
/// </summary>
internal static class RunExecutor
{
    public static RunResult Run(LayerStore store, StagingArea staging, IReadOnlyList<string> parentDiffIds, RunRequest request, Action<RunOutputLine>? onLine, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LayerToolsException("RunNeedsLinux", ErrorKind.NotImplemented, $"{request.Where}: RUN needs Linux (namespaces and overlayfs); this host is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}. Build on Linux, or remove the RUN instruction.", request.Where);
        }

        if (LinuxNative.GetEuid() != 0)
        {
            throw new LayerToolsException("RunNeedsRoot", ErrorKind.SecurityError, $"{request.Where}: RUN needs root on this host (to mount the image's layers and create namespaces); run the build as root.", request.Where);
        }

        var watch = Stopwatch.StartNew();
        var lower = UnionView.Build(parentDiffIds.Select(staging.ReadLayerIndex));
        var runtimes = ContainerRuntime.Candidates(request.Runtime);
        // In the build's lease folder: a killed build's container, overlay and files are reclaimed by the next command (LeaseSweeper).
        var runDir = staging.Lease.NewTmpPath("run");
        Directory.CreateDirectory(runDir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            int exitCode;
            ContainerRuntimeKind used;
            Action<LayerTarWriter> produce;
            var overlay = OverlayMount.IsSupported;
            var upper = Path.Combine(runDir, "upper");
            var merged = Path.Combine(runDir, "merged");
            var mount = overlay ? TryMountOverlay(store, staging, parentDiffIds, lower, runDir, upper, merged, cancellationToken) : null;
            overlay = mount is not null;
            if (mount is not null)
            {
                var made = new List<string>();
                using (mount)
                {
                    (exitCode, used) = Execute(merged, runDir, runtimes, request, made, onLine, cancellationToken);
                }

                RemoveMountStubs(upper, lower, overlayUpper: true, made);
                produce = writer => OverlayDiff.Write(upper, writer, cancellationToken);
            }
            else
            {
                (exitCode, used, produce) = RunInCopy(staging, parentDiffIds, lower, runDir, runtimes, request, onLine, cancellationToken);
            }

            if (exitCode != 0)
            {
                return new RunResult(exitCode, null, used, overlay, watch.Elapsed);
            }

            var layer = staging.AddLayer(produce, request.SourceDateEpoch);
            return new RunResult(exitCode, layer, used, overlay, watch.Elapsed);
        }
        finally
        {
            SafeRoot.RemoveTree(runDir);
        }
    }

    /// <summary>
    /// Runs a request in a root file system the caller prepared and owns (a container's overlay,
    /// mounted in <paramref name="runDir"/>), with the runtimes, security profile and set-up of a RUN step.
    /// The paths the set-up made (mount points) are added to <paramref name="made"/>, for
    /// <see cref="RemoveMountStubs(string, ILowerView, IReadOnlyCollection{string})"/> once the root is unmounted.
    /// </summary>
    public static (int ExitCode, ContainerRuntimeKind Runtime) RunInRoot(string rootfs, string runDir, RunRequest request, List<string> made, Action<RunOutputLine>? onLine, CancellationToken cancellationToken) =>
        Execute(rootfs, runDir, ContainerRuntime.Candidates(request.Runtime), request, made, onLine, cancellationToken);

    /// <summary>
    /// Removes from an overlay upper dir what the runtime and the set-up made only to mount over
    /// (absent from <paramref name="lower"/>, empty), and the directories copied up only to hold them.
    /// </summary>
    public static void RemoveMountStubs(string upper, ILowerView lower, IReadOnlyCollection<string> made) => RemoveMountStubs(upper, lower, overlayUpper: true, made);

    /// <summary>
    /// The parent's layers as overlay lower dirs under a fresh upper dir, or null when this host or
    /// file system cannot do it (the kernel refuses the mount, or the store's file system takes no
    /// whiteout devices or trusted xattrs): the caller then copies and compares.
    /// </summary>
    private static OverlayMount? TryMountOverlay(LayerStore store, StagingArea staging, IReadOnlyList<string> parentDiffIds, UnionView lower, string runDir, string upper, string merged, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> dirs;
        try
        {
            dirs = new SnapshotCache(store).Ensure(parentDiffIds, staging, cancellationToken);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ExtractFailed")
        {
            return null;
        }

        if (dirs.Count == 0)
        {
            var empty = Path.Combine(runDir, "empty");
            Directory.CreateDirectory(empty);
            dirs = new[] { empty };
        }

        var work = Path.Combine(runDir, "work");
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(merged);

        // overlayfs shows the upper dir's own owner and mode at "/": give it the image's.
        using (var upperRoot = SafeRoot.Open(upper))
        {
            var fd = upperRoot.OpenDirectory(string.Empty);
            DirectoryEntryAttributes.Of(lower.Lookup(string.Empty)).ApplyTo(fd);
            LinuxNative.Close(fd);
        }

        try
        {
            return OverlayMount.Mount(dirs, upper, work, merged, throwaway: true);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "OverlayMountFailed")
        {
            return null;
        }
    }

    /// <summary>The fallback without overlayfs: extract the layers into a private copy, run, and compare before and after.</summary>
    private static (int ExitCode, ContainerRuntimeKind Runtime, Action<LayerTarWriter> Produce) RunInCopy(StagingArea staging, IReadOnlyList<string> parentDiffIds, UnionView lower, string runDir, IReadOnlyList<ContainerRuntime> runtimes, RunRequest request, Action<RunOutputLine>? onLine, CancellationToken cancellationToken)
    {
        var rootfs = Path.Combine(runDir, "rootfs");
        Directory.CreateDirectory(rootfs);
        foreach (var diffId in parentDiffIds)
        {
            using var blob = staging.OpenBlob(diffId);
            LayerExtractor.Apply(blob, rootfs, diffId, cancellationToken: cancellationToken);
        }

        var before = RootfsDiff.Capture(rootfs);
        var made = new List<string>();
        var (exitCode, used) = Execute(rootfs, runDir, runtimes, request, made, onLine, cancellationToken);
        RemoveMountStubs(rootfs, lower, overlayUpper: false, made);
        return (exitCode, used, writer => RootfsDiff.Write(rootfs, before, lower, writer, cancellationToken));
    }

    private static (int ExitCode, ContainerRuntimeKind Runtime) Execute(string rootfs, string runDir, IReadOnlyList<ContainerRuntime> runtimes, RunRequest request, List<string> made, Action<RunOutputLine>? onLine, CancellationToken cancellationToken)
    {
        UserIdentity identity;
        IReadOnlyList<ResolvedMount> mounts;
        bool procIsDir, devIsDir, resolvConf, hasShell;
        var workDir = TarPath.Normalize(request.WorkingDirectory);
        using (var root = SafeRoot.Open(rootfs))
        {
            identity = UserResolver.Resolve(root, request.User, request.Where);
            var fd = root.OpenDirectory(workDir, _ => DirectoryAttributes.Default, request.Where);
            LinuxNative.Close(fd);
            hasShell = root.Lstat("bin/sh") is { IsRegular: true } or { IsSymlink: true };
            resolvConf = File.Exists("/etc/resolv.conf") && root.Lstat("etc") is { IsDirectory: true } && root.Lstat("etc/resolv.conf") is { IsRegular: true };
            procIsDir = IsDirectoryOrMissing(root, "proc");
            devIsDir = IsDirectoryOrMissing(root, "dev");
            foreach (var stub in new[] { "proc", "dev" })
            {
                if (root.Lstat(stub) is null)
                {
                    LinuxNative.Close(root.OpenDirectory(stub, _ => DirectoryAttributes.Default));
                }
            }

            mounts = MountPoints.Prepare(root, request.Mounts, made, request.Where);
        }

        var env = request.Environment.ToList();
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, RunRequest.DefaultPath);
        }

        var files = new List<(string, string)>();
        foreach (var file in request.Files)
        {
            var inside = TarPath.Normalize(file.Path);
            if (!inside.StartsWith("dev/", StringComparison.Ordinal) || inside.Length <= 4)
            {
                throw new LayerToolsException("InvalidRunFile", ErrorKind.InvalidArgument, $"{request.Where}: a file for the command must be placed under /dev, not at '{file.Path}'.", file.Path);
            }

            var host = Path.Combine(runDir, "file-" + files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllBytes(host, file.Content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(host, (UnixFileMode)(file.Mode & 0x1FF));
            }

            files.Add((host, "/" + inside));
        }

        var argv = request.MergeOutput && hasShell ? MergedOutputArguments(request.Arguments, env) : request.Arguments;
        var spec = new ProcessSpec(rootfs, argv, env, "/" + workDir, identity.Uid, identity.Gid, identity.AdditionalGids, request.Hostname) { Files = files, IsolateNetwork = request.IsolateNetwork, Mounts = mounts, MergeOutput = request.MergeOutput };
        var failures = new List<string>();
        foreach (var runtime in runtimes)
        {
            if (runtime is UnshareRuntime unshare)
            {
                unshare.MountProc = procIsDir;
                unshare.MountDev = devIsDir;
                unshare.BindResolvConf = resolvConf;
            }

            try
            {
                return (runtime.Run(spec, runDir, onLine, cancellationToken), runtime.Kind);
            }
            catch (RuntimeStartException ex)
            {
                failures.Add(ex.Message);
            }
        }

        throw new LayerToolsException("RuntimeFailed", ErrorKind.ResourceUnavailable, $"{request.Where}: no container runtime could start the command: {string.Join("; ", failures)}. -Runtime Unshare runs RUN without an OCI runtime, with weaker isolation (see Get-Help Build-LayeredImage -Parameter Runtime).", request.Where);
    }

    /// <summary>
    /// The command started through the image's own /bin/sh with stderr on the stdout pipe
    /// (<c>exec "$@" 2&gt;&amp;1</c>): the runtime copies the container's stdout and stderr through two
    /// pipes of its own (runc does), which loses the order between them, so the one pipe has to be
    /// made inside the container. The variables the shell adds itself (PWD, OLDPWD, SHLVL) are unset
    /// unless the command's environment has them, so the command sees the environment it was given.
    /// </summary>
    private static IReadOnlyList<string> MergedOutputArguments(IReadOnlyList<string> argv, IReadOnlyList<string> env)
    {
        var added = new[] { "PWD", "OLDPWD", "SHLVL" }.Where(n => !env.Any(e => e.StartsWith(n + "=", StringComparison.Ordinal))).ToList();
        var script = (added.Count > 0 ? "unset " + string.Join(' ', added) + "; " : string.Empty) + "exec \"$@\" 2>&1";
        return new[] { "/bin/sh", "-c", script, "sh" }.Concat(argv).ToList();
    }

    private static bool IsDirectoryOrMissing(SafeRoot root, string path) => root.Lstat(path) is null or { IsDirectory: true };

    /// <summary>
    /// Removes the empty files and directories a runtime made as mount points (when the image had
    /// none there), the RUN --mount mount points and the directories made to hold them
    /// (<paramref name="made"/>), and, in an overlay upper dir, the directories copied up only to hold them.
    /// </summary>
    private static void RemoveMountStubs(string directory, ILowerView lower, bool overlayUpper, IReadOnlyCollection<string> made)
    {
        using var root = SafeRoot.Open(directory);
        foreach (var stub in RuntimeBundle.MountPoints.Concat(made.Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Count(c => c == '/')).ThenByDescending(p => p, StringComparer.Ordinal)))
        {
            if (lower.Lookup(stub) is null)
            {
                RemoveIfEmpty(root, stub, lower, overlayUpper, requireSameAsLower: false);
            }

            for (var p = TarPath.Parent(stub); p.Length > 0; p = TarPath.Parent(p))
            {
                var below = lower.Lookup(p);
                if (below is null ? !RemoveIfEmpty(root, p, lower, overlayUpper, false) : !overlayUpper || !RemoveIfEmpty(root, p, lower, overlayUpper, true))
                {
                    break;
                }
            }
        }
    }

    private static bool RemoveIfEmpty(SafeRoot root, string path, ILowerView lower, bool overlayUpper, bool requireSameAsLower)
    {
        var stat = root.Lstat(path);
        if (stat is null)
        {
            return true;
        }

        if (stat.IsRegular && stat.Size == 0 && !requireSameAsLower)
        {
            return Remove(root, path);
        }

        if (!stat.IsDirectory)
        {
            return false;
        }

        var fd = root.TryOpenDirectory(path);
        if (fd < 0)
        {
            return false;
        }

        bool empty;
        try
        {
            empty = SafeRoot.ListNames(fd).Count == 0
                && (!overlayUpper || LinuxNative.Lgetxattr(SafeRoot.ProcFd(fd), LayerExtractor.OverlayOpaqueXattr) is null);
        }
        finally
        {
            LinuxNative.Close(fd);
        }

        if (!empty)
        {
            return false;
        }

        if (requireSameAsLower && lower.Lookup(path) is { } below
            && (below.Type != EntryType.Directory || below.Mode != stat.Permissions || below.Uid != stat.Uid || below.Gid != stat.Gid))
        {
            return false;
        }

        return Remove(root, path);
    }

    private static bool Remove(SafeRoot root, string path)
    {
        var parent = root.TryOpenDirectory(TarPath.Parent(path));
        if (parent < 0)
        {
            return false;
        }

        try
        {
            SafeRoot.RemoveAt(parent, TarPath.Name(path));
            return true;
        }
        finally
        {
            LinuxNative.Close(parent);
        }
    }
}
