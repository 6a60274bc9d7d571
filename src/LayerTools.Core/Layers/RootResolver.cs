using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// Resolves paths inside an image's root the way a chroot would: symbolic links are followed
/// within the root only (an absolute target starts again at the root, '..' stops at the root), so
/// nothing an image holds can point a path at the host.
/// </summary>
internal static class RootResolver
{
    /// <summary>The same bound as <see cref="TarPath.MaxLinkHops"/>, for the resolvers above this floor.</summary>
    public const int MaxLinkHops = TarPath.MaxLinkHops;

    /// <summary>Resolves every component of <paramref name="path"/>; the last is followed too when <paramref name="followLast"/>.</summary>
    public static string Resolve(string path, Func<string, LayerEntry?> lookup, bool followLast)
    {
        var pending = new Stack<string>();
        PushComponents(pending, path);
        var resolved = string.Empty;
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                resolved = TarPath.Parent(resolved);
                continue;
            }

            var candidate = TarPath.Join(resolved, part);
            var isLast = pending.Count == 0;
            var entry = (isLast && !followLast) ? null : lookup(candidate);
            if (entry is { Type: EntryType.SymbolicLink, LinkTarget: { } target })
            {
                if (++hops > MaxLinkHops)
                {
                    throw new LayerToolsException("TooManyLinks", ErrorKind.InvalidData, $"Too many levels of symbolic links resolving '{path}'.", path);
                }

                if (target.StartsWith('/'))
                {
                    resolved = string.Empty;
                }

                PushComponents(pending, target);
                continue;
            }

            resolved = candidate;
        }

        return resolved;
    }

    /// <summary>Resolves the directory part of <paramref name="path"/> and keeps its last name as it is.</summary>
    public static string ResolveParent(string path, Func<string, LayerEntry?> lookup)
    {
        var parent = TarPath.Parent(path);
        if (parent.Length == 0)
        {
            return path;
        }

        return TarPath.Join(Resolve(parent, lookup, followLast: true), TarPath.Name(path));
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
