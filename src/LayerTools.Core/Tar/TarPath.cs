namespace LayerTools.Core.Tar;

/// <summary>How LayerTools reads an entry name: as Docker does, made relative and cleaned, never above the root.</summary>
internal static class TarPath
{
    /// <summary>Symbolic links followed in one lookup before it fails, as Linux's MAXSYMLINKS.</summary>
    public const int MaxLinkHops = 40;

    /// <summary>
    /// Cleans a tar entry name: drops leading '/', './' and empty or '.' components, resolves '..'
    /// lexically. Returns "" for the root. Throws when the name climbs above the root.
    /// </summary>
    public static string Normalize(string name, string? archive = null)
    {
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerToolsException("InvalidEntryName", ErrorKind.InvalidData, $"{Where(archive)}entry name '{name.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL character.", name);
        }

        if (IsClean(name))
        {
            // Already clean (as every name a layer writer makes): the same string, not a copy (50,000 index entries each held one).
            return name;
        }

        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new LayerToolsException("PathTraversal", ErrorKind.SecurityError, $"{Where(archive)}entry '{name}' climbs out of the root with '..'.", name);
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>True when <see cref="Normalize"/> would give the name back unchanged: no leading or trailing '/', no empty, '.' or '..' component.</summary>
    private static bool IsClean(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name[^1] == '/')
        {
            return false;
        }

        for (var start = 0; ;)
        {
            var slash = name.IndexOf('/', start);
            var end = slash < 0 ? name.Length : slash;
            var part = name.AsSpan(start, end - start);
            if (part.Length == 0 || part is "." or "..")
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            start = slash + 1;
        }
    }

    /// <summary>Cleans a path as if under "/": leading '/' dropped, '.' and empty parts dropped, '..' stops at the root.</summary>
    public static string CleanUnderRoot(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public static string Name(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    public static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies beneath it.</summary>
    public static bool IsWithin(string path, string ancestor) =>
        ancestor.Length == 0
        || path == ancestor
        || (path.Length > ancestor.Length && path[ancestor.Length] == '/' && path.StartsWith(ancestor, StringComparison.Ordinal));

    private static string Where(string? archive) => archive is null ? "Layer " : $"'{archive}': ";
}
