using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Files;
using LayerTools.Core.Images;
using LayerTools.Core.Store;
using LayerTools.Core.Union;

namespace LayerTools.Provider;

/// <summary>
/// What the drives of one store have read, kept between calls so that listing a directory or a Tab
/// completion costs a stat or two, not a new union view: the image list (read again when index.json
/// changes), one union view per ChainID (immutable), the container records (read again when the
/// containers folder changes) and one view per container (refreshed when its whiteout record's
/// generation moves, i.e. when another view or process changed it).
/// </summary>
internal sealed class StoreDrives
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UnionView> _unions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerView> _views = new(StringComparer.Ordinal);
    private (DateTime, long) _indexStamp;
    private IReadOnlyList<DriveImage> _images = Array.Empty<DriveImage>();
    private DateTime _containersStamp;
    private IReadOnlyList<ContainerRecord> _containers = Array.Empty<ContainerRecord>();

    public StoreDrives(LayerStore store)
    {
        Store = store;
        Catalog = new ImageCatalog(store);
        Containers = new ContainerStore(store);
    }

    public LayerStore Store { get; }

    public ImageCatalog Catalog { get; }

    public ContainerStore Containers { get; }

    public IReadOnlyList<DriveImage> Images()
    {
        var info = new FileInfo(Store.IndexJsonPath);
        var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        lock (_gate)
        {
            if (stamp != _indexStamp || stamp.Item2 < 0)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                _images = Catalog.List()
                    .Select(s => new DriveImage(Catalog, s, DriveImage.LabelOf(Catalog, s)))
                    .Where(i => seen.Add(i.PathName))
                    .OrderBy(i => i.PathName, StringComparer.Ordinal)
                    .ToList();
                _indexStamp = stamp;
            }

            return _images;
        }
    }

    /// <summary>The image a path names: its path-safe name, or whatever Get-LayeredImage takes (digest, ID prefix).</summary>
    public DriveImage? FindImage(string pathName)
    {
        var images = Images();
        var decoded = ImagePathName.Decode(pathName);
        var found = images.FirstOrDefault(i => i.Label == decoded);
        if (found is not null)
        {
            return found;
        }

        try
        {
            var stored = Catalog.Resolve(decoded);
            return images.FirstOrDefault(i => i.Stored.Manifest.Digest == stored.Manifest.Digest)
                ?? new DriveImage(Catalog, stored, decoded);
        }
        catch (LayerToolsException)
        {
            return null;
        }
    }

    public ImageFileTree TreeOf(DriveImage image)
    {
        var chainId = image.ChainId;
        UnionView? view;
        lock (_gate)
        {
            _unions.TryGetValue(chainId, out view);
        }

        if (view is null)
        {
            view = UnionView.Build(image.DiffIds.Select(Store.ReadLayerIndex));
            lock (_gate)
            {
                _unions[chainId] = view;
            }
        }

        return new ImageFileTree(Store, view, image.Label);
    }

    public IReadOnlyList<ContainerRecord> ContainerRecords()
    {
        var dir = Containers.ContainersDir;
        var stamp = Directory.Exists(dir) ? Directory.GetLastWriteTimeUtc(dir) : DateTime.MinValue;
        lock (_gate)
        {
            if (stamp != _containersStamp || stamp == DateTime.MinValue)
            {
                var list = new List<ContainerRecord>();
                if (Directory.Exists(dir))
                {
                    foreach (var sub in Directory.EnumerateDirectories(dir))
                    {
                        var json = Path.Combine(sub, ContainerRecord.FileName);
                        if (ContainerNames.IsId(Path.GetFileName(sub)) && File.Exists(json))
                        {
                            list.Add(ContainerRecord.Read(json));
                        }
                    }
                }

                _containers = list.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
                _containersStamp = stamp;
                foreach (var id in _views.Keys.Where(id => !_containers.Any(r => r.Id == id)).ToList())
                {
                    _views.Remove(id);
                }
            }

            return _containers;
        }
    }

    public ContainerRecord? FindContainer(string name)
    {
        var records = ContainerRecords();
        return records.FirstOrDefault(r => r.Name == name) ?? records.FirstOrDefault(r => r.Id == name);
    }

    /// <summary>The container's view, opened once and refreshed when the container changed since.</summary>
    public ContainerFileTree TreeOf(ContainerRecord record)
    {
        ContainerView? view;
        lock (_gate)
        {
            _views.TryGetValue(record.Id, out view);
        }

        if (view is null)
        {
            view = Containers.Open(record.Id);
            lock (_gate)
            {
                _views[record.Id] = view;
            }
        }
        else if (WhiteoutRecord.ReadGeneration(Path.Combine(view.Directory, WhiteoutRecord.FileName)) != view.Whiteouts.Generation)
        {
            view.Refresh();
        }

        return new ContainerFileTree(view);
    }
}
