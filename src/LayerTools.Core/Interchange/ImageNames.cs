using LayerTools.Core.Images;

namespace LayerTools.Core.Interchange;

/// <summary>Image names as archives carry them, turned into the short names Docker shows (<c>busybox:1.36</c>, not <c>docker.io/library/busybox:1.36</c>).</summary>
internal static class ImageNames
{
    public const string DockerHubPrefix = "docker.io/";
    public const string LibraryPrefix = "docker.io/library/";

    /// <summary>The familiar form of a full name: Docker Hub's domain and <c>library/</c> dropped.</summary>
    public static string Familiar(string name)
    {
        if (name.StartsWith(LibraryPrefix, StringComparison.Ordinal) && name.IndexOf('/', LibraryPrefix.Length) < 0)
        {
            return name[LibraryPrefix.Length..];
        }

        if (name.StartsWith("index." + DockerHubPrefix, StringComparison.Ordinal))
        {
            return Familiar(name["index.".Length..]);
        }

        return name.StartsWith(DockerHubPrefix, StringComparison.Ordinal) ? name[DockerHubPrefix.Length..] : name;
    }

    /// <summary>
    /// Parses <c>name:tag</c> as an archive gives it and returns its familiar form; null when it is
    /// not a valid name, or names a digest without a tag (that pins content, it is no tag to keep).
    /// </summary>
    public static ImageReference? ParseFamiliar(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !ImageReference.TryParse(text.Trim(), out var parsed) || parsed is null)
        {
            return null;
        }

        var named = text.Trim().Split('@')[0];
        if (parsed.Digest is not null && named.LastIndexOf(':') <= named.LastIndexOf('/'))
        {
            return null;
        }

        return ImageReference.TryParse(Familiar(parsed.Name) + ":" + parsed.Tag, out var familiar) ? familiar : parsed;
    }

    /// <summary>
    /// The name an OCI index entry gives its image: <c>io.containerd.image.name</c> (a full name) first,
    /// else <c>org.opencontainers.image.ref.name</c> when it holds a name and not just a tag. A bare
    /// word such as "latest" names no image: it is what <c>oci:dir:latest</c> or umoci writes for a tag.
    /// </summary>
    public static ImageReference? FromIndexAnnotations(IReadOnlyDictionary<string, string> annotations)
    {
        if (annotations.TryGetValue(MediaTypes.ContainerdNameAnnotation, out var full) && ParseFamiliar(full) is { } byContainerd)
        {
            return byContainerd;
        }

        if (annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var refName) && (refName.Contains(':') || refName.Contains('/')))
        {
            return ParseFamiliar(refName);
        }

        return null;
    }
}
