using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Files;

/// <summary>
/// Get-LayerFile's path rules, as Get-ChildItem has them: no path lists the root's children; a
/// directory lists its children; a file is itself; wildcards may stand in any component;
/// -Recurse walks below (and, with a wildcard last name, matches that name at every depth).
/// </summary>
internal static class FileListing
{
    public static IEnumerable<LayerFile> List(IFileTree tree, string? path, bool recurse)
    {
        var clean = Clean(path);
        if (clean.Length == 0)
        {
            return Contents(tree, string.Empty, recurse);
        }

        var parts = clean.Split('/');
        if (!parts.Any(WildcardPattern.ContainsWildcardCharacters))
        {
            var resolved = tree.ResolveParent(clean);
            var found = tree.At(resolved);
            if (found.Count == 0)
            {
                throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"There is no '/{clean}' in the image.", path);
            }

            if (tree.IsDirectory(resolved))
            {
                return Contents(tree, resolved, recurse);
            }

            // A link to a directory lists what it points at, as Get-ChildItem does.
            if (found.Count == 1 && found[0].Type == EntryType.SymbolicLink)
            {
                var target = tree.Resolve(resolved);
                if (tree.IsDirectory(target))
                {
                    return Contents(tree, target, recurse);
                }
            }

            return found;
        }

        return Glob(tree, parts, recurse);
    }

    /// <summary>'/etc/', 'etc', './etc' and '\etc' all name "etc"; '/' and '.' name the root.</summary>
    public static string Clean(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return string.Empty;
        }

        return TarPath.CleanUnderRoot(path.Trim().Replace('\\', '/'));
    }

    private static IEnumerable<LayerFile> Contents(IFileTree tree, string directory, bool recurse)
    {
        foreach (var name in tree.Children(directory))
        {
            var child = TarPath.Join(directory, name);
            foreach (var file in tree.At(child))
            {
                yield return file;
            }

            if (recurse && tree.IsDirectory(child))
            {
                foreach (var below in Contents(tree, child, recurse: true))
                {
                    yield return below;
                }
            }
        }
    }

    private static IEnumerable<LayerFile> Glob(IFileTree tree, string[] parts, bool recurse)
    {
        var directories = new List<string> { string.Empty };
        for (var i = 0; i < parts.Length - 1; i++)
        {
            directories = Expand(tree, directories, parts[i]).Select(tree.Resolve).Where(tree.IsDirectory).Distinct(StringComparer.Ordinal).ToList();
        }

        var last = parts[^1];
        if (!WildcardPattern.ContainsWildcardCharacters(last))
        {
            foreach (var match in Expand(tree, directories, last))
            {
                var items = tree.IsDirectory(match) ? Contents(tree, match, recurse) : tree.At(match);
                foreach (var file in items)
                {
                    yield return file;
                }
            }

            yield break;
        }

        var pattern = Pattern(last);
        foreach (var directory in directories)
        {
            var candidates = recurse ? Contents(tree, directory, recurse: true) : Contents(tree, directory, recurse: false);
            foreach (var file in candidates)
            {
                if (pattern.IsMatch(file.Name))
                {
                    yield return file;
                }
            }
        }
    }

    private static IEnumerable<string> Expand(IFileTree tree, List<string> directories, string part)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(part))
        {
            foreach (var directory in directories)
            {
                var path = tree.ResolveParent(TarPath.Join(directory, part));
                if (tree.At(path).Count > 0)
                {
                    yield return path;
                }
            }

            yield break;
        }

        var pattern = Pattern(part);
        foreach (var directory in directories)
        {
            foreach (var name in tree.Children(directory))
            {
                if (pattern.IsMatch(name))
                {
                    yield return TarPath.Join(directory, name);
                }
            }
        }
    }

    private static WildcardPattern Pattern(string text) => WildcardPattern.Get(text, WildcardOptions.CultureInvariant);
}
