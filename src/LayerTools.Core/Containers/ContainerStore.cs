using System.Collections.Concurrent;
using LayerTools.Core.Digests;
using LayerTools.Core.HostFs;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Store;
using LayerTools.Core.Union;

namespace LayerTools.Core.Containers;

/// <summary>
/// The containers of a store, each in <c>layertools/containers/&lt;id&gt;/</c>: <c>container.json</c>,
/// <c>upper/</c> and <c>whiteouts.json</c>. Creation and removal (and so name uniqueness) happen under
/// the store lock; a container is made in tmp/ and renamed into place, so it appears whole or not at all.
/// </summary>
internal sealed class ContainerStore : IBlobOwner
{
    private readonly ConcurrentDictionary<string, (IReadOnlyList<LayerIndex>, UnionView)> _images = new(StringComparer.Ordinal);

    public ContainerStore(LayerStore store)
    {
        Store = store;
        Catalog = new ImageCatalog(store);
        ContainersDir = Path.Combine(store.DataDir, "containers");
    }

    public LayerStore Store { get; }

    public ImageCatalog Catalog { get; }

    public string ContainersDir { get; }

    /// <summary>Creates a container on an image (name:tag, digest or ID prefix). The name is generated when null.</summary>
    public ContainerLayer Create(string image, string? name = null, DateTimeOffset? created = null, CancellationToken cancellationToken = default)
    {
        var stored = Catalog.Resolve(image);
        return Create(stored, name, created, cancellationToken);
    }

    public ContainerLayer Create(StoredImage image, string? name = null, DateTimeOffset? created = null, CancellationToken cancellationToken = default)
    {
        if (name is not null && !ContainerNames.IsValid(name))
        {
            throw new LayerToolsException("InvalidContainerName", ErrorKind.InvalidArgument, $"'{name}' is not a valid container name: use letters, digits, '_', '.' and '-', starting with a letter or digit.", name);
        }

        var imageId = Catalog.ConfigDigestOf(image);
        var record = new ContainerRecord
        {
            Id = ContainerNames.NewId(),
            Image = image.Reference?.ToString() ?? Digest.Short(imageId),
            ImageId = imageId,
            ManifestDigest = image.Manifest.Digest,
            Created = created ?? DateTimeOffset.UtcNow,
        };

        // Made in a lease folder, so that a killed New-ContainerLayer leaves nothing for long.
        using var lease = Store.AcquireLease();
        var staged = lease.NewTmpPath("container");
        var upper = Path.Combine(staged, "upper");
        // Owner-only (0700), in a shared store too. upper/ holds the image's directories with the image's
        // modes (/tmp is 1777) and setuid files: another user reaching it could put files into the layer
        // a commit makes, read what was written into the container, or run them.
        Store.Access.CreatePrivateFolder(staged);
        Directory.CreateDirectory(upper);
        try
        {
            // upper/ is the root of the container when it is mounted: it takes the image root's attributes.
            var root = ImageOf(record).Union.Get(string.Empty)!.Entry;
            if (HostFile.CanChown)
            {
                HostFile.LChown(upper, root.Uid, root.Gid);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(upper, (UnixFileMode)(root.Mode & 0xFFF));
            }

            using var l = Store.Lock(cancellationToken);
            var taken = ReadRecords().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            if (name is not null)
            {
                if (taken.Contains(name))
                {
                    throw new LayerToolsException("ContainerNameInUse", ErrorKind.ResourceExists, $"The container name '{name}' is already in use; remove that container or choose another name.", name);
                }

                record.Name = name;
            }
            else
            {
                var attempt = 0;
                do
                {
                    record.Name = ContainerNames.Generate(attempt++);
                }
                while (taken.Contains(record.Name));
            }

            // The image may have been removed and collected since it was found: a container stands only on one that is whole.
            RequireWhole(image);
            Store.WriteFile(Path.Combine(staged, ContainerRecord.FileName), record.ToJson());
            Store.WriteFile(Path.Combine(staged, WhiteoutRecord.FileName), new WhiteoutRecord().ToJson());
            Store.Access.CreatePrivateFolder(ContainersDir); // also closes the containers of a store from before this was done

            // Its records' names durable before the folder is named, and the folder's name before the command returns.
            AtomicFile.SyncFolder(staged);
            Directory.Move(staged, Path.Combine(ContainersDir, record.Id));
            AtomicFile.SyncFolder(ContainersDir);
        }
        catch
        {
            TryDeleteTree(staged);
            throw;
        }

        return ToModel(record, size: 0, changes: 0);
    }

    /// <summary>Every container, oldest first, with its size and number of changes.</summary>
    public IReadOnlyList<ContainerLayer> List()
    {
        return ReadRecords().OrderBy(r => r.Created).ThenBy(r => r.Name, StringComparer.Ordinal).Select(Describe).ToList();
    }

    /// <summary>Finds a container by exact name, full ID, or unique ID prefix.</summary>
    public ContainerLayer Get(string nameOrId) => Describe(Find(nameOrId));

    /// <summary>True when a container has exactly this name or full ID (no prefix is tried; nothing is opened).</summary>
    public bool HasNameOrId(string text) => ReadRecords().Any(r => r.Name == text || r.Id == text);

    /// <summary>Opens a container's view for reading and writing.</summary>
    public ContainerView Open(string nameOrId) => Open(Find(nameOrId));

    public ContainerView Open(ContainerLayer container) => Open(Find(container.Id));

    /// <summary>Deletes the container's folder (its writable layer) and nothing else. Returns false when it was already gone.</summary>
    public bool Remove(string nameOrId, CancellationToken cancellationToken = default)
    {
        var record = Find(nameOrId);
        var dir = Path.Combine(ContainersDir, record.Id);
        using var lease = Store.AcquireLease();
        var doomed = lease.NewTmpPath("removing");
        using (Store.Lock(cancellationToken))
        {
            if (!Directory.Exists(dir))
            {
                return false;
            }

            ContainerLock.ThrowIfRunning(dir, record.Name);
            if (IsMounted(dir))
            {
                throw new LayerToolsException("ContainerMounted", ErrorKind.InvalidOperation, $"Container '{record.Name}' is mounted (its upper directory is in use by an overlay mount); dismount it first.", record.Name);
            }

            Directory.Move(dir, doomed);
        }

        TryDeleteTree(doomed);
        return true;
    }

    /// <summary>True when an overlay mount of this machine uses the container's <c>upper/</c> (Linux; false elsewhere).</summary>
    public static bool IsMounted(string containerDir)
    {
        const string MountInfo = "/proc/self/mountinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(MountInfo))
        {
            return false;
        }

        var upper = "upperdir=" + Path.Combine(containerDir, "upper");
        foreach (var line in File.ReadLines(MountInfo))
        {
            foreach (var option in line.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (option == upper || option == upper + "/")
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The manifest digests containers stand on: garbage collection must keep them and their blobs.</summary>
    public IReadOnlySet<string> ImagesInUse() => ReadRecords().Select(r => r.ManifestDigest).ToHashSet(StringComparer.Ordinal);

    /// <summary>The images containers stand on stay (by manifest digest, even when no tag names them any more).</summary>
    IEnumerable<string> IBlobOwner.RootImages() => ImagesInUse();

    /// <summary>The containers standing on an image (by image ID), so that removing the image can refuse while they exist.</summary>
    public IReadOnlyList<ContainerLayer> UsersOf(string imageId) =>
        ReadRecords().Where(r => r.ImageId == imageId).Select(r => ToModel(r, 0, 0)).ToList();

    /// <summary>Commits the container into a new image (see <see cref="ContainerCommitter"/>).</summary>
    public LayeredImage Commit(string nameOrId, CommitOptions options, CancellationToken cancellationToken = default)
    {
        var view = Open(nameOrId);
        var stored = ContainerCommitter.Commit(view, options, cancellationToken);
        return Catalog.Load(stored);
    }

    private ContainerView Open(ContainerRecord record)
    {
        var dir = Path.Combine(ContainersDir, record.Id);
        var (layers, union) = ImageOf(record);
        return new ContainerView(Store, record, dir, layers, union);
    }

    /// <summary>The image's layers and union view, built once per image for this store object (both are immutable) and shared by its containers' views.</summary>
    private (IReadOnlyList<LayerIndex> Layers, UnionView Union) ImageOf(ContainerRecord record)
    {
        if (_images.TryGetValue(record.ManifestDigest, out var cached))
        {
            return cached;
        }

        var layers = LayersOf(record);
        return _images.GetOrAdd(record.ManifestDigest, (layers, UnionView.Build(layers)));
    }

    private IReadOnlyList<LayerIndex> LayersOf(ContainerRecord record)
    {
        try
        {
            var manifest = Catalog.ReadManifest(record.ManifestDigest);
            var config = Catalog.ReadConfig(manifest.Config.Digest);
            return config.DiffIds.Select(Store.ReadLayerIndex).ToList();
        }
        catch (LayerToolsException ex) when (ex.Kind == ErrorKind.ObjectNotFound)
        {
            throw new LayerToolsException("ContainerImageMissing", ErrorKind.ObjectNotFound, $"The image of container '{record.Name}' ({record.Image}, {record.ImageId}) is no longer in the store; remove the container.", record.Name, ex);
        }
    }

    private ContainerLayer Describe(ContainerRecord record)
    {
        try
        {
            var view = Open(record);
            return ToModel(record, view.UpperSize(), view.Changes().Count);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ContainerImageMissing")
        {
            return ToModel(record, 0, 0);
        }
    }

    private ContainerRecord Find(string nameOrId)
    {
        var text = nameOrId.Trim();
        var records = ReadRecords();
        var byName = records.FirstOrDefault(r => r.Name == text) ?? records.FirstOrDefault(r => r.Id == text);
        if (byName is not null)
        {
            return byName;
        }

        if (HexPrefix.TryParse(text, out var hex))
        {
            var matches = records.Where(r => HexPrefix.Begins(r.Id, hex)).ToList();
            if (matches.Count > 1)
            {
                throw new LayerToolsException("AmbiguousContainerId", ErrorKind.InvalidArgument, $"'{text}' matches {matches.Count} containers; give more of the ID.", text);
            }

            if (matches.Count == 1)
            {
                return matches[0];
            }
        }

        throw new LayerToolsException("ContainerNotFound", ErrorKind.ObjectNotFound, $"No container '{text}' in the store '{Store.Root}'. Get-ContainerLayer lists the containers there.", text);
    }

    private List<ContainerRecord> ReadRecords()
    {
        var list = new List<ContainerRecord>();
        if (!Directory.Exists(ContainersDir))
        {
            return list;
        }

        foreach (var dir in Directory.EnumerateDirectories(ContainersDir))
        {
            var path = Path.Combine(dir, ContainerRecord.FileName);
            if (ContainerNames.IsId(Path.GetFileName(dir)) && File.Exists(path))
            {
                list.Add(ContainerRecord.Read(path));
            }
        }

        return list;
    }

    private ContainerLayer ToModel(ContainerRecord r, long size, int changes) => new()
    {
        Id = r.Id,
        Name = r.Name,
        Image = r.Image,
        ImageId = r.ImageId,
        ManifestDigest = r.ManifestDigest,
        Created = r.Created,
        Size = size,
        Changes = changes,
        StorePath = Store.Root,
    };

    /// <summary>Under the store lock: throws unless the image's manifest, config and layers are all in the store.</summary>
    private void RequireWhole(StoredImage image)
    {
        var manifest = Store.HasBlob(image.Manifest.Digest) ? Catalog.ReadManifest(image.Manifest.Digest) : null;
        var missing = manifest is null ? image.Manifest.Digest : manifest.Layers.Select(l => l.Digest).Prepend(manifest.Config.Digest).FirstOrDefault(d => !Store.HasBlob(d));
        if (missing is not null)
        {
            throw new LayerToolsException("ImageNotFound", ErrorKind.ObjectNotFound, $"The image '{image}' left the store (blob {missing} is gone) before the container was made.", image.ToString());
        }
    }

    private static void TryDeleteTree(string path)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // By descriptor, never following a link: a program may still be changing upper/
                // (a mount Dismount could only detach) and swap a directory for a link to the host.
                SafeRoot.RemoveTree(path);
            }
            else if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
