using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// For a push, the other repositories of the same registry that hold a blob, as far as the store
/// knows: the repository a remote layer's record names, and those whose images (pulled or pushed,
/// named by their full reference) list it. A blob there is mounted across repositories instead of sent again.
/// </summary>
internal sealed class MountSources
{
    private readonly ImageCatalog _catalog;
    private readonly ImageReference _destination;
    private Dictionary<string, List<string>>? _byDigest;

    public MountSources(ImageCatalog catalog, ImageReference destination)
    {
        _catalog = catalog;
        _destination = destination;
    }

    public IReadOnlyList<string> For(string digest)
    {
        _byDigest ??= Build();
        var repositories = _byDigest.TryGetValue(digest, out var known) ? known : [];

        // A remote layer's record names the repository its blob is in.
        return RemoteLayers.ForBlob(_catalog.Store, digest) is { } remote && remote.Registry == _destination.Domain && remote.Repository != _destination.Repository && !repositories.Contains(remote.Repository)
            ? [remote.Repository, .. repositories]
            : repositories;
    }

    private Dictionary<string, List<string>> Build()
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var image in _catalog.List())
        {
            if (image.Reference is not { } reference || reference.Domain != _destination.Domain || reference.Repository == _destination.Repository)
            {
                continue;
            }

            ManifestDocument manifest;
            try
            {
                manifest = _catalog.ReadManifest(image.Manifest.Digest);
            }
            catch (LayerToolsException)
            {
                continue;
            }

            foreach (var digest in manifest.Layers.Select(l => l.Digest).Append(manifest.Config.Digest))
            {
                if (!map.TryGetValue(digest, out var list))
                {
                    map[digest] = list = [];
                }

                if (!list.Contains(reference.Repository))
                {
                    list.Add(reference.Repository);
                }
            }
        }

        return map;
    }
}
