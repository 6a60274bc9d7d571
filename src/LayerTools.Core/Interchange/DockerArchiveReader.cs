using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// Finds the images of a docker-archive through its manifest.json: the form Docker 1.10 to 24 and
/// skopeo write (<c>&lt;id&gt;/layer.tar</c>, <c>&lt;id&gt;.json</c>, layers often links to one another) and
/// Docker 25's dual form (paths into <c>blobs/sha256/</c>). Layers may be gzip or zstd compressed.
/// </summary>
internal static partial class DockerArchiveReader
{
    public const string ManifestFile = "manifest.json";

    /// <summary>True when the archive has a manifest.json holding a JSON array (a root filesystem may hold a manifest.json of its own).</summary>
    public static bool IsDockerArchive(ArchiveSource source, IngestLimits limits)
    {
        var entry = source.Find(ManifestFile);
        if (entry is null || entry.Size > limits.MaxManifestJsonBytes)
        {
            return entry is not null;
        }

        foreach (var b in source.ReadAll(ManifestFile, limits.MaxManifestJsonBytes, "docker-archive manifest"))
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
            {
                continue;
            }

            return b == (byte)'[';
        }

        return false;
    }

    public static List<ImportCandidate> Read(ArchiveSource source, IngestLimits limits)
    {
        var manifestWhere = $"{source.Where}: {ManifestFile}";
        var bytes = source.ReadAll(ManifestFile, limits.MaxManifestJsonBytes, "docker-archive manifest");
        if (JsonDocuments.Parse(bytes, manifestWhere, "InvalidArchiveManifest") is not JsonArray items)
        {
            throw Invalid(manifestWhere, "it is not a JSON array of images");
        }

        var candidates = new List<ImportCandidate>();
        for (var n = 0; n < items.Count; n++)
        {
            var where = $"{manifestWhere} (image {n + 1} of {items.Count})";
            if (items[n] is not JsonObject item)
            {
                throw Invalid(where, "the entry is not a JSON object");
            }

            var configPath = JsonDocuments.GetString(item, "Config") ?? throw Invalid(where, "the entry has no Config");
            var layerPaths = JsonDocuments.GetStringArray(item, "Layers") ?? throw Invalid(where, "the entry has no Layers array");
            var configBytes = source.ReadAll(configPath, limits.MaxConfigBytes, "image config");
            var expectedConfig = DigestFromName(configPath, source.Where);
            if (expectedConfig is not null && Digest.Of(configBytes) != expectedConfig)
            {
                throw new LayerToolsException("DigestMismatch", ErrorKind.InvalidData, $"'{source.Where}: {configPath}': the config's digest is {Digest.Of(configBytes)}, not the {expectedConfig} its name says; the archive is damaged or was altered.", configPath);
            }

            var config = ConfigDocument.Parse(configBytes, $"{source.Where}: {configPath}");
            if (config.DiffIds.Count != layerPaths.Count)
            {
                throw new LayerToolsException("LayerCountMismatch", ErrorKind.InvalidData, $"'{where}': it lists {layerPaths.Count} layers but the config '{configPath}' has {config.DiffIds.Count} DiffIDs.", where);
            }

            var layers = new List<LayerSource>();
            for (var i = 0; i < layerPaths.Count; i++)
            {
                var path = layerPaths[i];
                var what = $"layer {i + 1} of {layerPaths.Count}";
                var blobDigest = TarPath.Normalize(path, source.Where) is var clean && BlobName().Match(clean) is { Success: true } m ? Digest.Sha256Prefix + m.Groups[1].Value : null;
                layers.Add(new LayerSource($"{source.Where}: {path}", () => source.Open(source.Get(path, what)), blobDigest));
            }

            var candidate = new ImportCandidate(where, layers, config.DiffIds, _ => configBytes);
            foreach (var tag in JsonDocuments.GetStringArray(item, "RepoTags") ?? [])
            {
                var reference = ImageNames.ParseFamiliar(tag)
                    ?? throw new LayerToolsException("InvalidArchiveName", ErrorKind.InvalidData, $"'{where}': RepoTags holds '{tag}', which is not a valid name:tag.", tag);
                if (!candidate.Names.Any(existing => existing.ToString() == reference.ToString()))
                {
                    candidate.Names.Add(reference);
                }
            }

            candidates.Add(candidate);
        }

        return candidates;
    }

    /// <summary>The digest a config's file name states (<c>&lt;hex&gt;.json</c> or <c>blobs/sha256/&lt;hex&gt;</c>), or null.</summary>
    private static string? DigestFromName(string path, string where)
    {
        var clean = TarPath.Normalize(path, where);
        var m = ConfigName().Match(clean);
        return m.Success ? Digest.Sha256Prefix + m.Groups[1].Value : null;
    }

    private static LayerToolsException Invalid(string where, string what) =>
        new("InvalidArchiveManifest", ErrorKind.InvalidData, $"'{where}': {what}.", where);

    [GeneratedRegex("^(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.json)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigName();

    [GeneratedRegex("^blobs/sha256/([0-9a-f]{64})$", RegexOptions.CultureInvariant)]
    private static partial Regex BlobName();
}
