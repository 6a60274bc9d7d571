using LayerTools.Core.Layers;

namespace LayerTools.Files;

/// <summary>A tree of paths Get-LayerFile can walk: an image's union view, or the entries of one layer. Paths are relative ("etc/hosts"); the root is "".</summary>
internal interface IFileTree
{
    /// <summary>The entries at exactly <paramref name="path"/>: none when nothing is there, two in a layer that makes a directory opaque and lists it.</summary>
    IReadOnlyList<LayerFile> At(string path);

    /// <summary>True when <paramref name="path"/> is a directory one can list (not a link to one).</summary>
    bool IsDirectory(string path);

    /// <summary>The names beneath a directory, in ordinal order.</summary>
    IEnumerable<string> Children(string directory);

    /// <summary>The path with the links in its directory part followed (the last name kept as it is).</summary>
    string ResolveParent(string path);

    /// <summary>The path with every link in it followed, the last name too.</summary>
    string Resolve(string path);
}
