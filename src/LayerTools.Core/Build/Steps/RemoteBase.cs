using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// What a step can know of a stage's files without fetching the stage's remote layers (a registry
/// base read as manifest and config only): what the layers above the last remote one say for
/// certain, whatever the layers below hold.
/// </summary>
internal static class RemoteBase
{
    /// <summary>
    /// True when the stage has remote layers and every folder on <paramref name="path"/> (root-relative,
    /// clean) is a directory in the layers above the last of them: the topmost entry of each is then
    /// that directory whatever lies below, so the path is a directory in the stage's view (a WORKDIR
    /// there needs no layer, and no fetch). False when it cannot be told without the layers below.
    /// </summary>
    public static bool IsDirectoryAbove(LayerStore store, IReadOnlyList<string> diffIds, string path)
    {
        var lastRemote = -1;
        for (var i = 0; i < diffIds.Count; i++)
        {
            if (RemoteLayers.IsRemote(store, diffIds[i]))
            {
                lastRemote = i;
            }
        }

        if (lastRemote < 0 || path.Length == 0)
        {
            return false;
        }

        var above = UnionView.Build(diffIds.Skip(lastRemote + 1).Select(store.ReadLayerIndex));
        var folder = string.Empty;
        foreach (var part in path.Split('/'))
        {
            folder = TarPath.Join(folder, part);
            if (above.Lookup(folder) is not { Type: EntryType.Directory })
            {
                return false;
            }
        }

        return true;
    }
}
