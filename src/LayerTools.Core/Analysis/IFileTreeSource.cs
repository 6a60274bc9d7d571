namespace LayerTools.Core.Analysis;

/// <summary>
/// Something Compare-Layer can compare: a set of paths with their type, metadata and content digest.
/// Implemented over an image (<see cref="UnionTreeSource"/>), a single layer (<see cref="LayerTreeSource"/>)
/// a host directory (<see cref="DirectoryTreeSource"/>) and any walk of <see cref="Layers.LayerFile"/> records
/// (<see cref="LayerFileTreeSource"/>): a container compares through that one, from its view's walk and
/// its OpenRead for the files written in its upper directory, and the comparer needs nothing else.
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
