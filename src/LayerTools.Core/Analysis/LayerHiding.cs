using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Analysis;

/// <summary>
/// What a layer hides of the layers below it: the paths it whites out, the directories it makes opaque,
/// and everything beneath a path it holds as a non-directory. A path of a lower layer that none of these
/// reach is one the layer left alone.
/// </summary>
internal sealed class LayerHiding
{
    private readonly HashSet<string> _whiteouts = new(StringComparer.Ordinal);
    private readonly HashSet<string> _opaque = new(StringComparer.Ordinal);
    private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);

    /// <param name="entries">The layer's own entries, whiteouts under their tar names.</param>
    public LayerHiding(IEnumerable<FileTreeEntry> entries)
    {
        foreach (var e in entries)
        {
            var slash = e.Path.LastIndexOf('/');
            var directory = slash < 0 ? string.Empty : e.Path[..slash];
            var name = e.Path[(slash + 1)..];
            switch (e.Type)
            {
                case EntryType.OpaqueWhiteout:
                    _opaque.Add(directory);
                    break;
                case EntryType.Whiteout when name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal):
                    _whiteouts.Add(TarPath.Join(directory, name[Whiteout.Prefix.Length..]));
                    break;
                case EntryType.Directory:
                    break;
                default:
                    _replaced.Add(e.Path);
                    break;
            }
        }
    }

    /// <summary>How the layer hides <paramref name="path"/> of a lower layer ("whiteout", "opaque directory /a", "replaced /a"), or null when it leaves it alone.</summary>
    public string? Hides(string path)
    {
        if (_whiteouts.Contains(path))
        {
            return "whiteout";
        }

        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            var parent = path[..slash];
            if (_whiteouts.Contains(parent))
            {
                return "whiteout of /" + parent;
            }

            if (_opaque.Contains(parent))
            {
                return "opaque directory /" + parent;
            }

            if (_replaced.Contains(parent))
            {
                return "/" + parent + " replaced";
            }
        }

        return _opaque.Contains(string.Empty) ? "opaque root" : null;
    }
}
