namespace LayerTools.Core.Containers;

/// <summary>Paths in a container's terms: how a typed path is cleaned, and how a clean path is shown.</summary>
internal static class ContainerPaths
{
    /// <summary>
    /// A path in the container's terms: '/' or '\\' separated, empty and '.' components dropped. '..'
    /// stays for the resolver, which takes it after the links before it (as the kernel does) and never
    /// above the root (as in a chroot).
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerToolsException("InvalidPath", ErrorKind.InvalidArgument, "A container path cannot contain a NUL character.", path);
        }

        var parts = new List<string>();
        foreach (var part in path.Split('/', '\\'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>A clean path as a user reads it ("/etc/hosts").</summary>
    public static string Display(string path) => "/" + path;
}
