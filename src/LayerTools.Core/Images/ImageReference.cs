using System.Text.RegularExpressions;

namespace LayerTools.Core.Images;

/// <summary>
/// An image reference as Docker reads one: <c>[domain/]path[:tag][@digest]</c>. The tag defaults to
/// <c>latest</c>. <see cref="ToString"/> gives <c>name:tag</c>, the form stored as the ref name.
/// </summary>
internal sealed partial class ImageReference
{
    private ImageReference(string name, string tag, string? digest, bool explicitTag)
    {
        Name = name;
        Tag = tag;
        Digest = digest;
        ExplicitTag = explicitTag;
    }

    public string Name { get; }

    public string Tag { get; }

    public string? Digest { get; }

    /// <summary>True when the text named a tag; false when the tag is the <c>latest</c> default (as in <c>name@sha256:…</c>).</summary>
    public bool ExplicitTag { get; }

    /// <summary>The registry: the first component when it is a host (it holds a dot or a port, or is localhost), else Docker Hub's <c>docker.io</c>.</summary>
    public string Domain
    {
        get
        {
            var slash = Name.IndexOf('/');
            var first = slash < 0 ? string.Empty : Name[..slash];
            return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : DockerHub;
        }
    }

    /// <summary>The repository inside the registry; Docker Hub's official images get <c>library/</c>.</summary>
    public string Repository
    {
        get
        {
            var path = Domain == DockerHub && !Name.StartsWith(DockerHub + "/", StringComparison.Ordinal) ? Name : Name[(Name.IndexOf('/') + 1)..];
            return Domain == DockerHub && !path.Contains('/') ? "library/" + path : path;
        }
    }

    /// <summary>The name with Docker's defaults: <c>docker.io/library/</c> for a bare name, <c>docker.io/</c> for a path without a domain.</summary>
    public string FullName => Domain + "/" + Repository;

    /// <summary>Docker Hub's name in references.</summary>
    public const string DockerHub = "docker.io";

    public override string ToString() => Name + ":" + Tag;

    public static bool TryParse(string text, out ImageReference? reference)
    {
        reference = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 4096)
        {
            return false;
        }

        string? digest = null;
        var at = text.IndexOf('@');
        var rest = text;
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            rest = text[..at];
            if (!Digests.Digest.IsValid(digest))
            {
                return false;
            }
        }

        var tag = "latest";
        var explicitTag = false;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            explicitTag = true;
            if (!TagPattern().IsMatch(tag))
            {
                return false;
            }
        }

        if (!NamePattern().IsMatch(rest) || rest.Length > 255)
        {
            return false;
        }

        reference = new ImageReference(rest, tag, digest, explicitTag);
        return true;
    }

    public static ImageReference Parse(string text)
    {
        if (!TryParse(text, out var reference))
        {
            // Docker refuses upper case in the repository part (not in a registry host, nor in the tag): say so when it is the only fault.
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            var host = slash > 0 && (text[..slash].Contains('.', StringComparison.Ordinal) || text[..slash].Contains(':', StringComparison.Ordinal)) ? text[..(slash + 1)] : string.Empty;
            var rest = text[host.Length..];
            var colon = rest.LastIndexOf(':');
            var name = colon < 0 ? rest : rest[..colon];
            if (name.Any(char.IsUpper) && TryParse(host + name.ToLowerInvariant() + rest[name.Length..], out var lower))
            {
                throw new LayerToolsException("InvalidReference", ErrorKind.InvalidArgument, $"'{text}' is not a valid image reference: the repository name '{name}' has upper case letters, which image names may not hold (only the tag may). Use '{lower}'.", text);
            }

            throw new LayerToolsException("InvalidReference", ErrorKind.InvalidArgument, $"'{text}' is not a valid image reference; use name[:tag], for example 'app:1' or 'registry.example/team/app:2.0'.", text);
        }

        return reference!;
    }

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // domain (optional, may hold a port) then lowercase path components separated by '/'.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\[[0-9a-fA-F:]+\](?::[0-9]+)?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
