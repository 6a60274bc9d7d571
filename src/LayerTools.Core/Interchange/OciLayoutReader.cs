using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Finds the images of an OCI image layout (a directory, an OCI archive, or the OCI half of a
/// Docker 25 archive): every manifest index.json names, with nested indexes narrowed to the
/// host's platform. Manifests and configs are read and verified here; layers later, when staged.
/// </summary>
internal static class OciLayoutReader
{
    private const int MaxIndexDepth = 4;
    private const string ReferenceTypeAnnotation = "vnd.docker.reference.type";

    public static bool IsLayout(ArchiveSource source) => source.Exists("oci-layout") && source.Exists("index.json");

    public static List<ImportCandidate> Read(ArchiveSource source, IngestLimits limits)
    {
        CheckLayoutVersion(source);
        var indexWhere = $"{source.Where}: index.json";
        var index = JsonDocuments.ParseObject(source.ReadAll("index.json", limits.MaxConfigBytes, "image index"), indexWhere, "InvalidIndex");
        var found = new List<(Descriptor Manifest, ImageReference? Name)>();
        foreach (var descriptor in LayerStore.ManifestDescriptors(index, indexWhere))
        {
            var name = ImageNames.FromIndexAnnotations(descriptor.Annotations);
            var manifest = SelectManifest(source, descriptor, limits, 0);
            if (manifest is not null)
            {
                found.Add((manifest, name));
            }
        }

        var candidates = new List<ImportCandidate>();
        foreach (var group in found.GroupBy(f => f.Manifest.Digest, StringComparer.Ordinal))
        {
            var candidate = ReadImage(source, group.First().Manifest, limits);
            if (candidate is null)
            {
                continue;
            }

            foreach (var name in group.Select(g => g.Name).OfType<ImageReference>().DistinctBy(n => n.ToString()))
            {
                candidate.Names.Add(name);
            }

            candidates.Add(candidate);
        }

        return candidates;
    }

    private static void CheckLayoutVersion(ArchiveSource source)
    {
        var where = $"{source.Where}: oci-layout";
        var layout = JsonDocuments.ParseObject(source.ReadAll("oci-layout", 64 * 1024, "OCI layout marker"), where, "InvalidLayout");
        var version = JsonDocuments.GetString(layout, "imageLayoutVersion");
        if (version is null || !version.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new LayerToolsException("UnsupportedLayoutVersion", ErrorKind.InvalidData, $"'{where}': imageLayoutVersion is '{version}'; LayerTools reads version 1 layouts.", where);
        }
    }

    /// <summary>The image manifest a descriptor leads to: itself, or for an index the entry for the host's platform. Null for what is not an image.</summary>
    private static Descriptor? SelectManifest(ArchiveSource source, Descriptor descriptor, IngestLimits limits, int depth)
    {
        if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            return descriptor;
        }

        if (descriptor.MediaType.Length != 0 && !MediaTypes.IsIndex(descriptor.MediaType))
        {
            return null;
        }

        if (depth >= MaxIndexDepth)
        {
            throw new LayerToolsException("InvalidIndex", ErrorKind.InvalidData, $"'{source.Where}': image indexes nest more than {MaxIndexDepth} deep.", source.Where);
        }

        var bytes = ReadBlob(source, descriptor, limits.MaxConfigBytes, "image index");
        var where = $"{source.Where}: {descriptor.Digest}";
        var json = JsonDocuments.ParseObject(bytes, where, "InvalidIndex");
        if (json["manifests"] is not JsonArray)
        {
            // A descriptor without a media type may be a manifest after all.
            return descriptor.MediaType.Length == 0 && json["config"] is JsonObject
                ? new Descriptor(JsonDocuments.GetString(json, "mediaType") ?? MediaTypes.OciManifest, descriptor.Digest, descriptor.Size)
                : null;
        }

        var choices = LayerStore.ManifestDescriptors(json, where)
            .Where(d => !(d.Annotations.TryGetValue(ReferenceTypeAnnotation, out var kind) && kind == "attestation-manifest"))
            .Where(d => PlatformOf(d).Os != "unknown")
            .Where(d => source.Exists(BlobPath(d.Digest)))
            .ToList();
        var host = choices.FirstOrDefault(d => PlatformOf(d) is { Os: var os, Architecture: var arch } && os == HostPlatform.Os && arch == HostPlatform.Architecture);
        foreach (var choice in host is null ? choices : [host])
        {
            var manifest = SelectManifest(source, choice, limits, depth + 1);
            if (manifest is not null)
            {
                return manifest;
            }
        }

        return null;
    }

    private static (string? Os, string? Architecture) PlatformOf(Descriptor d) =>
        d.Platform is { } p ? (JsonDocuments.GetString(p, "os"), JsonDocuments.GetString(p, "architecture")) : (null, null);

    private static ImportCandidate? ReadImage(ArchiveSource source, Descriptor descriptor, IngestLimits limits)
    {
        var where = $"{source.Where}: manifest {descriptor.Digest}";
        var manifest = ManifestDocument.Parse(ReadBlob(source, descriptor, limits.MaxConfigBytes, "image manifest"), where, descriptor.MediaType);
        if (!MediaTypes.IsConfig(manifest.Config.MediaType))
        {
            // An artifact (a signature, an SBOM, a chart) stored beside images: not an image.
            return null;
        }

        var configBytes = ReadBlob(source, manifest.Config, limits.MaxConfigBytes, "image config");
        var config = ConfigDocument.Parse(configBytes, $"{source.Where}: config {manifest.Config.Digest}");
        if (config.DiffIds.Count != manifest.Layers.Count)
        {
            throw new LayerToolsException("LayerCountMismatch", ErrorKind.InvalidData, $"'{where}': the manifest lists {manifest.Layers.Count} layers but the config has {config.DiffIds.Count} DiffIDs.", where);
        }

        var layers = new List<LayerSource>();
        for (var i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            var path = BlobPath(layer.Digest);
            var what = $"layer {i + 1} of {manifest.Layers.Count} ({layer.Digest})";
            layers.Add(new LayerSource($"{source.Where}: {path}", () => source.Open(source.Get(path, what)), layer.Digest, layer.Size));
        }

        return new ImportCandidate(where, layers, config.DiffIds, _ => configBytes) { ConfigMediaType = manifest.Config.MediaType };
    }

    public static string BlobPath(string digest) => "blobs/sha256/" + Digest.Hex(digest);

    /// <summary>Reads a small blob whole and checks it against its descriptor.</summary>
    public static byte[] ReadBlob(ArchiveSource source, Descriptor descriptor, long max, string what)
    {
        var path = BlobPath(descriptor.Digest);
        if (descriptor.Size > max)
        {
            throw new LayerToolsException("ArchiveEntryTooLarge", ErrorKind.LimitsExceeded, $"'{source.Where}': {what} {descriptor.Digest} is {descriptor.Size} bytes, more than the {max} allowed for it.", path);
        }

        var bytes = source.ReadAll(path, max, what);
        var digest = Digest.Of(bytes);
        if (digest != descriptor.Digest)
        {
            throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{source.Where}: {path}': the {what}'s digest is {digest}, not {descriptor.Digest} as its descriptor says; the archive is damaged or was altered.", path);
        }

        if (bytes.Length != descriptor.Size)
        {
            throw new LayerToolsException("SizeMismatch", ErrorKind.InvalidData, $"'{source.Where}: {path}': the {what} is {bytes.Length} bytes, not {descriptor.Size} as its descriptor says.", path);
        }

        return bytes;
    }
}
