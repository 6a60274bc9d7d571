using System.Diagnostics;
using LayerTools.Core.HostFs;
using LayerTools.Core.Oci;
using LayerTools.Core.Run;
using LayerTools.Core.Snapshots;

namespace LayerTools.Core.Containers;

/// <summary>
/// Runs a program in a container (Invoke-ContainerCommand), the way a RUN step runs (same runtimes,
/// capabilities, seccomp profile, masked paths, mounts): the image's layers from the snapshot cache as
/// overlay lower dirs and the container's own <c>upper/</c> as the upper dir, so what the program
/// writes lands in the writable layer in overlayfs' form (copy-up, whiteouts, opaque directories),
/// which the container's view reads as its changes. The container's lock is held while it runs; the
/// overlay and the runtime's state live in a lease folder of the store's tmp/, so that a killed
/// PowerShell leaves nothing the next command does not reclaim. On every end (exit, failure, Ctrl+C)
/// the container is stopped, unmounted and its mount-point stubs removed before the lock goes.
/// </summary>
internal static class ContainerCommandRunner
{
    public static ContainerCommandResult Run(ContainerStore containers, string nameOrId, ContainerCommandRequest request, Action<RunOutputLine>? onLine, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LayerToolsException("InvokeNeedsLinux", ErrorKind.NotImplemented, "Running a command in a container needs Linux (namespaces and overlayfs). Elsewhere, change its files with Copy-ContainerItem.");
        }

        if (LinuxNative.GetEuid() != 0)
        {
            throw new LayerToolsException("InvokeNeedsRoot", ErrorKind.SecurityError, "Running a command in a container needs root (to mount its layers and create namespaces); run PowerShell as root (sudo).");
        }

        var container = containers.Get(nameOrId);
        var config = ImageConfig(containers, container);
        var argv = request.Command.Count > 0 ? request.Command : (config.Entrypoint ?? Array.Empty<string>()).Concat(config.Cmd ?? Array.Empty<string>()).ToList();
        if (argv.Count == 0)
        {
            throw new LayerToolsException("NoCommand", ErrorKind.InvalidArgument, $"The image of container '{container.Name}' ({container.Image}) has neither Entrypoint nor Cmd; give the command to run.", container.Name);
        }

        var runRequest = new RunRequest
        {
            Arguments = argv,
            Environment = Environment(config.Env, request.Environment),
            WorkingDirectory = request.WorkingDirectory ?? (config.WorkingDir is { Length: > 0 } wd ? wd : "/"),
            User = request.User ?? (config.User is { Length: > 0 } u ? u : null),
            Hostname = container.ShortId,
            Where = $"Container '{container.Name}'",
            MergeOutput = request.MergeOutput,
        };

        var watch = Stopwatch.StartNew();
        var view = containers.Open(container);
        using var running = view.Locks.RunLock(string.Join(' ', argv));
        view.WhiteoutStorage.WriteOverlayWhiteoutsLocked();
        var lower = new SnapshotCache(containers.Store).Ensure(view.Layers.Select(l => l.DiffId).ToList(), cancellationToken: cancellationToken).ToList();
        using var lease = containers.Store.AcquireLease();
        var runDir = lease.NewTmpPath("exec");
        containers.Store.Access.CreatePrivateFolder(runDir);
        var work = Path.Combine(view.Directory, "work");
        try
        {
            if (lower.Count == 0)
            {
                var empty = Path.Combine(runDir, "empty");
                Directory.CreateDirectory(empty);
                lower.Add(empty);
            }

            SafeRoot.RemoveTree(work);
            Directory.CreateDirectory(work);
            var merged = Path.Combine(runDir, "merged");
            Directory.CreateDirectory(merged);
            var made = new List<string>();
            (int ExitCode, ContainerRuntimeKind Runtime) ran;
            RunStubs.Record(view);
            try
            {
                using (OverlayMount.Mount(lower, view.UpperDir, work, merged))
                {
                    ran = RunExecutor.RunInRoot(merged, runDir, runRequest, made, onLine, cancellationToken);
                }
            }
            finally
            {
                // The view still shows the container as it was before the command: what was not
                // there then and is an empty mount point now, the runtime made.
                RunExecutor.RemoveMountStubs(view.UpperDir, view, made);
                RunStubs.Forget(view);
            }

            return new ContainerCommandResult
            {
                Container = container.Name,
                ContainerId = container.Id,
                Command = argv,
                ExitCode = ran.ExitCode,
                Runtime = ran.Runtime,
                Duration = watch.Elapsed,
                StorePath = containers.Store.Root,
            };
        }
        finally
        {
            SafeRoot.RemoveTree(work);
            SafeRoot.RemoveTree(runDir);
        }
    }

    private static ContainerConfig ImageConfig(ContainerStore containers, ContainerLayer container)
    {
        var manifest = containers.Catalog.ReadManifest(container.ManifestDigest);
        return containers.Catalog.ReadConfig(manifest.Config.Digest).ReadContainerConfig();
    }

    /// <summary>The image's Env in order, each name given in <paramref name="overrides"/> replaced in place, new names after.</summary>
    private static List<string> Environment(IReadOnlyList<string> image, IReadOnlyDictionary<string, string> overrides)
    {
        var env = new List<string>();
        var left = new Dictionary<string, string>(overrides, StringComparer.Ordinal);
        foreach (var entry in image)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? entry : entry[..eq];
            env.Add(left.Remove(name, out var value) ? name + "=" + value : entry);
        }

        foreach (var (name, value) in overrides.Where(o => left.ContainsKey(o.Key)))
        {
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
            {
                throw new LayerToolsException("InvalidEnvironmentName", ErrorKind.InvalidArgument, $"'{name}' is not a variable name: it is empty or holds '='.", name);
            }

            env.Add(name + "=" + value);
        }

        return env;
    }
}
