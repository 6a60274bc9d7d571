using LayerTools.Core.Build.Cache;
using LayerTools.Core.Build.Copy;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.HostFs;
using LayerTools.Core.Layers;
using LayerTools.Core.Run;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using Microsoft.Win32.SafeHandles;
using static LayerTools.Core.HostFs.LinuxNative;

namespace LayerTools.Core.Build.Mounts;

/// <summary>
/// The mounts of one RUN step, from parsed <c>--mount</c> flags to what the runtime mounts:
/// <list type="bullet">
/// <item>bind: the source (a file or directory of the build context or of <c>from=</c> a stage or
/// image) copied into a private folder and bound there, read-only unless <c>rw</c>, so writes are
/// discarded with the folder; keyed by the content digests (context) or ChainID and path (stage).</item>
/// <item>cache: a folder kept in the store (layertools/cache/mounts/&lt;sha256 of id&gt;), made with
/// mode/uid/gid the first time; <c>sharing=locked</c> holds a lock file for the step,
/// <c>private</c> takes a fresh empty folder when another build holds it; never keyed.</item>
/// <item>tmpfs: an empty tmpfs.</item>
/// <item>secret: the host file given for the id (<c>-Secret @{ id = path }</c>) copied into the
/// private folder with mode (default 0400), uid and gid, bound read-only at /run/secrets/&lt;id&gt;
/// or the target, or put in the <c>env=</c> variable; only the id is in the key.</item>
/// </list>
/// Disposing releases the locks and removes the private folder.
/// </summary>
internal sealed class RunMountSet : IDisposable
{
    private const long MaxSecretBytes = 500 * 1024;
    private readonly LayerStore _store;
    private readonly Lease? _lease;
    private readonly IReadOnlyList<RunMount> _mounts;
    private readonly IReadOnlyList<MountSource?> _sources;
    private readonly IReadOnlyDictionary<string, string> _secrets;
    private readonly string _where;
    private readonly List<IDisposable> _locks = new();
    private string? _dir;

    public RunMountSet(LayerStore store, IReadOnlyList<RunMount> mounts, Func<string?, MountSource> sourceFor, IReadOnlyDictionary<string, string> secrets, string workingDir, string where, Lease? lease = null)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(sourceFor);
        _store = store;
        _lease = lease;
        _secrets = secrets;
        _where = where;
        var list = new List<RunMount>();
        var sources = new List<MountSource?>();
        foreach (var mount in mounts)
        {
            switch (mount.Type)
            {
                case RunMountType.Ssh:
                    throw new LayerToolsException("UnsupportedRunMount", ErrorKind.NotImplemented, $"{where}: RUN --mount=type=ssh is not supported: LayerTools forwards no SSH agent. Fetch what needs SSH before the build and COPY it, or use a secret mount for a deploy key.", "type=ssh");
                case RunMountType.Cache when mount.From is not null:
                    throw new LayerToolsException("UnsupportedRunMount", ErrorKind.NotImplemented, $"{where}: RUN --mount=type=cache,from=... (seeding a cache from a stage) is not supported; drop 'from' or use a bind mount.", mount.From);
                case RunMountType.Secret when !secrets.ContainsKey(mount.Id!):
                    if (mount.Required)
                    {
                        throw new LayerToolsException("SecretNotFound", ErrorKind.ObjectNotFound, $"{where}: the secret '{mount.Id}' is required but was not given; pass it with -Secret @{{ '{mount.Id}' = '<path to a file>' }}.", mount.Id);
                    }

                    continue; // an optional secret that was not given is not mounted, as in BuildKit
            }

            list.Add(mount.Target is { } target && !target.StartsWith('/') ? mount.WithTarget(workingDir.TrimEnd('/') + "/" + target) : mount);
            sources.Add(mount.Type == RunMountType.Bind ? sourceFor(mount.From) : null);
        }

        _mounts = list;
        _sources = sources;
    }

    /// <summary>Adds what a bind mount reads to the step's key: file digests from the context, ChainID and path from a stage or image.</summary>
    public void AddToKey(CacheKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _mounts.Count; i++)
        {
            var mount = _mounts[i];
            var name = "mount" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            key.Add(name, RunMount.Name(mount.Type) + " " + mount.Target + (mount.ReadOnly ? " ro" : " rw"));
            if (_sources[i] is not { } source)
            {
                continue;
            }

            var entry = Resolve(source.Files, mount.Source);
            if (source.ChainId is not null || source.Files is not ContextCopySource)
            {
                key.Add(name + ":from", (source.ChainId ?? "scratch") + ":/" + entry.Path);
                continue;
            }

            key.Add(name + ":" + entry.Path, KeyText(source.Files, entry));
            if (entry.Type == EntryType.Directory)
            {
                foreach (var e in source.Files.Under(entry.Path))
                {
                    key.Add(name + ":" + e.Path, KeyText(source.Files, e));
                }
            }
        }
    }

    /// <summary>Makes the folders, copies and locks, and returns the mounts and the environment additions (secret env=).</summary>
    public (IReadOnlyList<ContainerMount> Mounts, IReadOnlyList<string> Environment) Prepare(CancellationToken cancellationToken)
    {
        var mounts = new List<ContainerMount>();
        var env = new List<string>();
        for (var i = 0; i < _mounts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mount = _mounts[i];
            var slot = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            switch (mount.Type)
            {
                case RunMountType.Bind:
                    {
                        var files = _sources[i]!.Files;
                        var entry = Resolve(files, mount.Source);
                        var host = Path.Combine(PrivateDir(), "bind-" + slot);
                        Materialize(files, entry, host);
                        mounts.Add(new ContainerMount(ContainerMountKind.Bind, mount.Target!, host, mount.ReadOnly));
                        break;
                    }

                case RunMountType.Cache:
                    mounts.Add(new ContainerMount(ContainerMountKind.Bind, mount.Target!, CacheDir(mount, slot, cancellationToken), mount.ReadOnly));
                    break;
                case RunMountType.Tmpfs:
                    mounts.Add(new ContainerMount(ContainerMountKind.Tmpfs, mount.Target!, null, mount.ReadOnly, mount.Size));
                    break;
                case RunMountType.Secret:
                    {
                        var hostPath = _secrets[mount.Id!];
                        if (mount.Env is { Length: > 0 } variable)
                        {
                            env.Add(variable + "=" + System.Text.Encoding.UTF8.GetString(ReadSecret(mount.Id!, hostPath)));
                            if (mount.Target is null)
                            {
                                break;
                            }
                        }

                        var copy = Path.Combine(PrivateDir(), "secret-" + slot);
                        File.WriteAllBytes(copy, ReadSecret(mount.Id!, hostPath));
                        Chown(copy, mount.Uid ?? 0, mount.Gid ?? 0, mount.Mode ?? 0x100);
                        mounts.Add(new ContainerMount(ContainerMountKind.Bind, mount.Target ?? "/run/secrets/" + mount.Id, copy, ReadOnly: true));
                        break;
                    }
            }
        }

        MakeNestedMountPoints(mounts);
        return (mounts, env);
    }

    /// <summary>
    /// A mount inside a bound folder (a cache under a bound source tree) needs its mount point in
    /// that folder, which is mounted first: it is made there (the folder is a private copy, or a
    /// cache folder, never the context itself).
    /// </summary>
    private static void MakeNestedMountPoints(IReadOnlyList<ContainerMount> mounts)
    {
        foreach (var outer in mounts.Where(m => m.Kind == ContainerMountKind.Bind && m.HostSource is not null && Directory.Exists(m.HostSource)))
        {
            var prefix = TarPath.Normalize(outer.Target);
            foreach (var inner in mounts)
            {
                var target = TarPath.Normalize(inner.Target);
                if (ReferenceEquals(inner, outer) || !target.StartsWith(prefix + "/", StringComparison.Ordinal))
                {
                    continue;
                }

                var rel = target[(prefix.Length + 1)..];
                using var root = SafeRoot.Open(outer.HostSource!);
                var parent = root.OpenDirectory(inner.IsFile ? TarPath.Parent(rel) : rel, _ => DirectoryAttributes.Default);
                try
                {
                    if (inner.IsFile && Stat(parent, TarPath.Name(rel), AtSymlinkNoFollow, out _) is null)
                    {
                        var fd = Openat(parent, TarPath.Name(rel), OCreat | OExcl | OWrOnly | ONoFollow | OCloExec, 0x1A4);
                        Check(fd < 0 ? fd : Close(fd), rel);
                    }
                }
                finally
                {
                    Close(parent);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var l in _locks)
        {
            l.Dispose();
        }

        _locks.Clear();
        if (_dir is not null && Directory.Exists(_dir))
        {
            SafeRoot.RemoveTree(_dir);
        }

        _dir = null;
    }

    private static string KeyText(ICopySource files, CopySourceEntry e) => e.Type switch
    {
        EntryType.File => files.DigestOf(e) + " " + Convert.ToString(e.Mode, 8),
        EntryType.SymbolicLink => "link " + e.LinkTarget,
        _ => e.Type.ToString().ToLowerInvariant() + " " + Convert.ToString(e.Mode, 8),
    };

    /// <summary>The source path (default the root) inside the context or stage, links followed inside it.</summary>
    private CopySourceEntry Resolve(ICopySource files, string? source)
    {
        var path = TarPath.CleanUnderRoot(source ?? "/");
        for (var hops = 0; hops <= RootResolver.MaxLinkHops; hops++)
        {
            var entry = path.Length == 0
                ? files.Get(string.Empty) ?? new CopySourceEntry { Path = string.Empty, Type = EntryType.Directory, Mode = 0x1ED }
                : files.Get(path) ?? throw new LayerToolsException("MountSourceNotFound", ErrorKind.ObjectNotFound, $"{_where}: the mount source '/{path}' is not in the {files.Description}.", source);
            if (entry.Type != EntryType.SymbolicLink)
            {
                return entry;
            }

            var target = entry.LinkTarget ?? string.Empty;
            path = TarPath.CleanUnderRoot(target.StartsWith('/') ? target : TarPath.Parent(entry.Path) + "/" + target);
        }

        throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"{_where}: too many levels of symbolic links resolving the mount source '{source}'.", source);
    }

    private string PrivateDir()
    {
        if (_dir is null)
        {
            var dir = _lease?.NewTmpPath("mounts") ?? Path.Combine(_store.TmpDir, "mounts-" + Guid.NewGuid().ToString("N"));
            _store.Access.CreatePrivateFolder(dir);
            Chown(dir, 0, 0, 0x1C0);
            _dir = dir;
        }

        return _dir;
    }

    /// <summary>Copies a file, or a directory tree, into <paramref name="host"/>, never following a link while writing.</summary>
    private static void Materialize(ICopySource files, CopySourceEntry entry, string host)
    {
        if (entry.Type != EntryType.Directory)
        {
            using (var input = files.Open(entry))
            using (var output = new FileStream(host, FileMode.CreateNew, FileAccess.Write))
            {
                input.CopyTo(output);
            }

            Chown(host, entry.Uid, entry.Gid, entry.Mode);
            return;
        }

        Directory.CreateDirectory(host);
        Chown(host, entry.Uid, entry.Gid, entry.Mode);
        using var root = SafeRoot.Open(host);
        foreach (var e in files.Under(entry.Path))
        {
            var rel = entry.Path.Length == 0 ? e.Path : e.Path[(entry.Path.Length + 1)..];
            var parent = root.OpenDirectory(TarPath.Parent(rel), _ => DirectoryAttributes.Default);
            var name = TarPath.Name(rel);
            try
            {
                switch (e.Type)
                {
                    case EntryType.Directory:
                        Check(Mkdirat(parent, name, 0x1C0), rel);
                        Check(Fchownat(parent, name, e.Uid, e.Gid, AtSymlinkNoFollow), rel);
                        Check(Fchmodat(parent, name, e.Mode & 0xFFF), rel);
                        break;
                    case EntryType.File:
                        {
                            var fd = Openat(parent, name, OCreat | OExcl | OWrOnly | ONoFollow | OCloExec, 0x180);
                            Check(fd < 0 ? fd : 0, rel);
                            using var output = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write);
                            using (var input = files.Open(e))
                            {
                                input.CopyTo(output);
                            }

                            Check(Fchown(fd, e.Uid, e.Gid), rel);
                            Check(Fchmod(fd, e.Mode & 0xFFF), rel);
                            break;
                        }

                    case EntryType.SymbolicLink:
                        Check(Symlinkat(e.LinkTarget ?? string.Empty, parent, name), rel);
                        Check(Fchownat(parent, name, e.Uid, e.Gid, AtSymlinkNoFollow), rel);
                        break;
                }
            }
            finally
            {
                Close(parent);
            }
        }
    }

    private static void Check(int rc, string path)
    {
        if (rc < 0)
        {
            throw new LayerToolsException("MountSourceFailed", ErrorKind.WriteError, $"Cannot copy '{path}' for a bind mount: {Describe(-rc)}.", path);
        }
    }

    private static void Chown(string path, int uid, int gid, int mode)
    {
        Check(Fchownat(AtFdCwd, path, uid, gid, AtSymlinkNoFollow), path);
        Check(Fchmodat(AtFdCwd, path, mode & 0xFFF), path);
    }

    private byte[] ReadSecret(string id, string hostPath)
    {
        var info = new FileInfo(hostPath);
        if (!info.Exists)
        {
            throw new LayerToolsException("SecretNotFound", ErrorKind.ObjectNotFound, $"{_where}: the file '{hostPath}' given for the secret '{id}' does not exist.", hostPath);
        }

        if (info.Length > MaxSecretBytes)
        {
            throw new LayerToolsException("SecretTooLarge", ErrorKind.LimitsExceeded, $"{_where}: the secret '{id}' ('{hostPath}') is {info.Length} bytes; secrets are limited to {MaxSecretBytes} bytes.", hostPath);
        }

        return File.ReadAllBytes(hostPath);
    }

    /// <summary>The persistent folder of a cache mount, made (with mode, uid, gid) when missing, and locked as its sharing asks.</summary>
    private string CacheDir(RunMount mount, string slot, CancellationToken cancellationToken)
    {
        var id = mount.Id is { Length: > 0 } given ? given : mount.Target!;
        var parent = Path.Combine(_store.DataDir, "cache", "mounts");
        var dir = Path.Combine(parent, Digests.Digest.Hex(Digests.Digest.Of(id)));
        // Cache mounts hold what RUN steps wrote, setuid files too: owner-only, in a shared store as well.
        _store.Access.CreatePrivateFolder(parent);
        if (mount.Sharing != RunMountSharing.Shared)
        {
            var lockPath = dir + ".lock";
            if (mount.Sharing == RunMountSharing.Locked)
            {
                _locks.Add(StoreLock.Acquire(lockPath, StoreAccess.OwnerFile, TimeSpan.FromHours(1), cancellationToken));
            }
            else
            {
                try
                {
                    _locks.Add(StoreLock.Acquire(lockPath, StoreAccess.OwnerFile, TimeSpan.Zero, cancellationToken));
                }
                catch (LayerToolsException ex) when (ex.ErrorId == "StoreBusy")
                {
                    var fresh = Path.Combine(PrivateDir(), "cache-" + slot);
                    Directory.CreateDirectory(fresh);
                    Chown(fresh, mount.Uid ?? 0, mount.Gid ?? 0, mount.Mode ?? 0x1ED);
                    return fresh;
                }
            }
        }

        if (!Directory.Exists(dir))
        {
            // Owned by the build's lease (recorded in its scratch folder), so a killed build leaves no empty folder here.
            var staged = _lease?.OwnedPathBeside(dir) ?? Path.Combine(parent, ".new-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(staged);
            Chown(staged, mount.Uid ?? 0, mount.Gid ?? 0, mount.Mode ?? 0x1ED);
            try
            {
                Directory.Move(staged, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                Directory.Delete(staged);
            }
        }

        return dir;
    }
}
