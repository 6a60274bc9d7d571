namespace LayerTools.Core.Build.Context;

/// <summary>Go's <c>path.Clean</c> on '/'-separated paths, as moby applies it to .dockerignore patterns.</summary>
internal static class GoPath
{
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        if (IsClean(path))
        {
            return path;
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add(part);
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary>True when Clean would return the path as it is: no empty, "." or ".." segment and no trailing '/' (a context walk's paths, every one).</summary>
    private static bool IsClean(string path)
    {
        if (path == "/")
        {
            return true;
        }

        var start = path[0] == '/' ? 1 : 0;
        while (start <= path.Length)
        {
            var end = path.IndexOf('/', start);
            if (end < 0)
            {
                end = path.Length;
            }

            var length = end - start;
            if (length == 0 || (length == 1 && path[start] == '.') || (length == 2 && path[start] == '.' && path[start + 1] == '.'))
            {
                return false;
            }

            start = end + 1;
        }

        return true;
    }
}
