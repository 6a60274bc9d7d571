using LayerTools.Core.Images;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Interchange;

/// <summary>One image found in an archive, checked as far as it can be before its layers are read.</summary>
internal sealed class ImportCandidate
{
    public ImportCandidate(string where, IReadOnlyList<LayerSource> layers, IReadOnlyList<string>? diffIds, Func<IReadOnlyList<string>, byte[]> config)
    {
        Where = where;
        Layers = layers;
        DiffIds = diffIds;
        Config = config;
    }

    /// <summary>The archive and the record that describes the image, for messages.</summary>
    public string Where { get; }

    public IReadOnlyList<LayerSource> Layers { get; }

    /// <summary>The DiffIDs the config lists, base first; null when only the layers tell (legacy archives, root filesystems).</summary>
    public IReadOnlyList<string>? DiffIds { get; }

    /// <summary>The config bytes, given the DiffIDs read from the layers. For an archived config these are its bytes as they are.</summary>
    public Func<IReadOnlyList<string>, byte[]> Config { get; }

    public string ConfigMediaType { get; init; } = MediaTypes.OciConfig;

    /// <summary>The names the archive gives the image (none for an untagged image).</summary>
    public List<ImageReference> Names { get; } = new();
}
