namespace LayerTools.Core.Analysis;

/// <summary>
/// Something Compare-Layer can compare: a set of paths with their type, metadata and content digest.
/// Implemented once, by <see cref="LayerFileTreeSource"/> over the walk of a <see cref="Files.IFileTree"/>
/// (an image, a single layer, a container, a host folder) or any list of <see cref="Layers.LayerFile"/>
/// records; the comparer needs nothing else.
/// </summary>
internal interface IFileTreeSource
{
    /// <summary>What the user would call this side ("app:1", "layer 3 of app:1", "/home/me/site").</summary>
    string Name { get; }

    /// <summary>
    /// True for a single layer: its entries are changes to whatever lies below (a path it does not hold
    /// is one it left alone, a whiteout removes one). Two layers compare as such: see <see cref="LayerComparer"/>.
    /// </summary>
    bool IsLayer => false;

    /// <summary>
    /// Every path but the root, each once, in any order. Reading may be lazy but must not follow
    /// symbolic links out of the tree.
    /// </summary>
    IEnumerable<FileTreeEntry> Entries(CancellationToken cancellationToken = default);
}
