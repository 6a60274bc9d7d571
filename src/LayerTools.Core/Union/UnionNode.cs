using LayerTools.Core.Layers;

namespace LayerTools.Core.Union;

/// <summary>A path of the merged view: the entry that wins there, and the layer it comes from.</summary>
internal sealed class UnionNode
{
    public UnionNode(LayerEntry entry, int layerIndex, string layerDiffId)
    {
        Entry = entry;
        LayerIndex = layerIndex;
        LayerDiffId = layerDiffId;
    }

    public LayerEntry Entry { get; }

    /// <summary>Position of the layer in the stack (0 = base); -1 for a directory no layer names (implied by a child).</summary>
    public int LayerIndex { get; }

    public string LayerDiffId { get; }

    /// <summary>Child names, for directories; null until the first child arrives.</summary>
    public SortedSet<string>? Children { get; set; }
}
