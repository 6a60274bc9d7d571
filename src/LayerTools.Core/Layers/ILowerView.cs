namespace LayerTools.Core.Layers;

/// <summary>What the layers below a layer show at a path (no link followed at the last component).</summary>
internal interface ILowerView
{
    LayerEntry? Lookup(string path);
}
