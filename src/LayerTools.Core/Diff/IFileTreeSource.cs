namespace LayerTools.Core.Diff;

/// <summary>
/// Something Compare-Layer can compare: a set of paths with their type, metadata and content digest.
/// Implemented over an image (<see cref="UnionTreeSource"/>), a single layer (<see cref="LayerTreeSource"/>)
/// and a host directory (<see cref="DirectoryTreeSource"/>). A container is its image's union view with
/// its upper directory on top: implement this interface over that (or hand <see cref="UnionTreeSource"/>
/// the container's merged view) and the comparer needs nothing else.
/// </summary>
internal interface IFileTreeSource
{
    /// <summary>What the user would call this side ("app:1", "layer 3 of app:1", "/home/me/site").</summary>
    string Name { get; }

    /// <summary>
    /// Every path but the root, each once, in any order. Reading may be lazy but must not follow
    /// symbolic links out of the tree.
    /// </summary>
    IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default);
}
