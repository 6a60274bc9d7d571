using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Files;

/// <summary>Walks over any <see cref="IFileTree"/>.</summary>
internal static class FileTrees
{
    /// <summary>
    /// Everything beneath <paramref name="directory"/> (not itself), parents before children, each
    /// directory's entries by ordinal name. Links are listed, never entered; a path with two entries (a
    /// layer's directory and its opaque marker) is entered once.
    /// </summary>
    public static IEnumerable<LayerFile> Walk(IFileTree tree, string directory, CancellationToken cancellationToken = default)
    {
        string? entered = null;
        foreach (var file in tree.Children(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return file;
            if (file.Type is not (EntryType.Directory or EntryType.OpaqueWhiteout))
            {
                continue;
            }

            var child = TarPath.Join(directory, file.Name);
            if (child != entered)
            {
                entered = child;
                foreach (var below in Walk(tree, child, cancellationToken))
                {
                    yield return below;
                }
            }
        }
    }

    /// <summary>The sha256 of a file's content, streamed once through <see cref="IFileTree.OpenRead"/> (for trees whose files carry no digest).</summary>
    public static string Hash(IFileTree tree, string path)
    {
        using var stream = tree.OpenRead(path);
        return Digest.Of(stream);
    }
}
