using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Images;

/// <summary>Writes the manifest of an image into a staging area. Store manifests point at uncompressed layer blobs named by DiffID, except for a remote layer, named by its registry blob.</summary>
internal static class ImageWriter
{
    /// <summary>Stages the config bytes (as they are: their digest is the image ID) and a new OCI manifest; returns the manifest's descriptor.</summary>
    public static Descriptor Write(StagingArea staging, byte[] configBytes, IReadOnlyList<LayerIndex> layers, string configMediaType = MediaTypes.OciConfig)
    {
        var config = ConfigDocument.Parse(configBytes, "config");
        if (config.DiffIds.Count != layers.Count || !config.DiffIds.SequenceEqual(layers.Select(l => l.DiffId), StringComparer.Ordinal))
        {
            throw new LayerToolsException("DiffIdMismatch", ErrorKind.InvalidData, "The layers' DiffIDs do not match the config's rootfs.diff_ids.");
        }

        return Write(staging, configBytes, layers.Select(l => new Descriptor(MediaTypes.OciLayer, l.DiffId, l.Size)).ToList(), configMediaType);
    }

    /// <summary>As above with the layers' descriptors given: the uncompressed blob by DiffID, or a remote layer's compressed blob (see <see cref="RemoteLayers"/>).</summary>
    public static Descriptor Write(StagingArea staging, byte[] configBytes, IReadOnlyList<Descriptor> layerDescriptors, string configMediaType = MediaTypes.OciConfig)
    {
        var configDigest = staging.AddBytes(configBytes);
        var configDescriptor = new Descriptor(MediaTypes.IsConfig(configMediaType) ? MediaTypes.OciConfig : configMediaType, configDigest, configBytes.Length);
        var manifestBytes = ManifestDocument.Create(configDescriptor, layerDescriptors);
        var manifestDigest = staging.AddBytes(manifestBytes);
        return new Descriptor(MediaTypes.OciManifest, manifestDigest, manifestBytes.Length);
    }
}
