using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Files;
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
            var resolved = tree.Resolve(clean, followLast: false);
            var found = tree.Item(resolved);
            if (found is null)
            {
                throw new LayerToolsException("PathNotFound", ErrorKind.ObjectNotFound, $"There is no '/{clean}' in the image.", path);
            }

            if (IsListable(tree, resolved))
            {
                return Contents(tree, resolved, recurse);
            }

            // A link to a directory lists what it points at, as Get-ChildItem does.
            if (found.Type == EntryType.SymbolicLink)
            {
                var target = tree.Resolve(resolved, followLast: true);
                if (IsListable(tree, target))
                {
                    return Contents(tree, target, recurse);
                }
            }

            return new[] { found };
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

    /// <summary>True when <paramref name="path"/> is a directory one can list (not a link to one).</summary>
    private static bool IsListable(IFileTree tree, string path) => tree.Item(path) is { Type: not EntryType.SymbolicLink } && tree.IsDirectory(path);

    private static IEnumerable<LayerFile> Contents(IFileTree tree, string directory, bool recurse) =>
        recurse ? FileTrees.Walk(tree, directory) : tree.Children(directory);

    private static IEnumerable<LayerFile> Glob(IFileTree tree, string[] parts, bool recurse)
    {
        var directories = new List<string> { string.Empty };
        for (var i = 0; i < parts.Length - 1; i++)
        {
            directories = Expand(tree, directories, parts[i]).Select(p => tree.Resolve(p, followLast: true)).Where(p => IsListable(tree, p)).Distinct(StringComparer.Ordinal).ToList();
        }

        var last = parts[^1];
        if (!WildcardPattern.ContainsWildcardCharacters(last))
        {
            foreach (var match in Expand(tree, directories, last))
            {
                var items = IsListable(tree, match) ? Contents(tree, match, recurse) : new[] { tree.Item(match)! };
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
                var path = tree.Resolve(TarPath.Join(directory, part), followLast: false);
                if (tree.Item(path) is not null)
                {
                    yield return path;
                }
            }

            yield break;
        }

        var pattern = Pattern(part);
        foreach (var directory in directories)
        {
            foreach (var name in tree.Children(directory).Select(f => f.Name).Distinct(StringComparer.Ordinal))
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
