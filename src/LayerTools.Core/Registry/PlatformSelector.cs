using System.Text.Json.Nodes;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// Picks one image manifest from an OCI index or Docker manifest list: the one for the requested
/// platform (<c>os/arch[/variant]</c>), by default the host's. Attestation entries (unknown/unknown) never match.
/// </summary>
internal static class PlatformSelector
{
    public static Descriptor Select(JsonObject index, string? platform, string where)
    {
        var (os, architecture, variant) = Requested(platform);
        var manifests = new List<Descriptor>();
        if (index["manifests"] is JsonArray array)
        {
            foreach (var node in array)
            {
                manifests.Add(Descriptor.FromJson(node, where));
            }
        }

        var candidates = manifests.Where(m => MediaTypes.IsManifest(m.MediaType) || string.IsNullOrEmpty(m.MediaType)).ToList();
        var match = candidates.FirstOrDefault(m => Matches(m.Platform, os, architecture, variant));
        if (match is not null)
        {
            return match;
        }

        var present = candidates.Select(m => Name(m.Platform)).Where(n => n is not null).Distinct().ToList();
        throw new LayerToolsException("PlatformNotFound", ErrorKind.ObjectNotFound,
            $"'{where}' has no image for {Name(os, architecture, variant)}; it has {(present.Count == 0 ? "no platform-specific images" : string.Join(", ", present))}. Choose one with -Platform.", where);
    }

    private static (string Os, string Architecture, string? Variant) Requested(string? platform)
    {
        if (string.IsNullOrWhiteSpace(platform))
        {
            return (HostPlatform.Os, HostPlatform.Architecture, null);
        }

        var parts = platform.Trim().ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            throw new LayerToolsException("InvalidPlatform", ErrorKind.InvalidArgument, $"'{platform}' is not a platform; give os/architecture[/variant], for example linux/amd64 or linux/arm/v7.", platform);
        }

        return (parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    private static bool Matches(JsonObject? platform, string os, string architecture, string? variant)
    {
        if (platform is null)
        {
            return false;
        }

        var p = Parts(platform);
        return p.Os == os && p.Architecture == architecture && (variant is null || (p.Variant ?? DefaultVariant(architecture)) == variant);
    }

    /// <summary>arm64's variant is v8 when an index leaves it out, as containerd normalizes it.</summary>
    private static string? DefaultVariant(string architecture) => architecture == "arm64" ? "v8" : null;

    private static (string? Os, string? Architecture, string? Variant) Parts(JsonObject platform) =>
        (JsonDocuments.GetString(platform, "os"), JsonDocuments.GetString(platform, "architecture"), JsonDocuments.GetString(platform, "variant"));

    private static string? Name(JsonObject? platform)
    {
        if (platform is null)
        {
            return null;
        }

        var (os, architecture, variant) = Parts(platform);
        return os is null || architecture is null || os == "unknown" ? null : Name(os, architecture, variant);
    }

    private static string Name(string os, string architecture, string? variant) => os + "/" + architecture + (string.IsNullOrEmpty(variant) ? string.Empty : "/" + variant);
}
