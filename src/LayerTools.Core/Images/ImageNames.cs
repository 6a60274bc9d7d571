using LayerTools.Core.Oci;

namespace LayerTools.Core.Images;

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
    /// The name an OCI index entry gives its image: the one rule for import and for listing the store.
    /// <c>org.opencontainers.image.ref.name</c> with a ':' or '/' is a full reference. A bare word
    /// ("latest", as <c>skopeo copy … oci:dir:latest</c> and umoci write) is only a tag: the name then
    /// comes from <c>io.containerd.image.name</c>, and without one the image is untagged. With no
    /// ref.name, the containerd name alone names it. Names come back in their familiar form.
    /// </summary>
    public static ImageReference? FromIndexAnnotations(IReadOnlyDictionary<string, string> annotations)
    {
        annotations.TryGetValue(MediaTypes.ContainerdNameAnnotation, out var containerdName);
        var byContainerd = ParseFamiliar(containerdName);
        if (!annotations.TryGetValue(MediaTypes.RefNameAnnotation, out var refName) || string.IsNullOrWhiteSpace(refName))
        {
            return byContainerd;
        }

        refName = refName.Trim();
        if (refName.Contains(':') || refName.Contains('/'))
        {
            return ParseFamiliar(refName);
        }

        return byContainerd is null ? null : ParseFamiliar(byContainerd.Name + ":" + refName);
    }
}
