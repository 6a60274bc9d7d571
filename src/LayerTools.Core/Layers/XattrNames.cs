namespace LayerTools.Core.Layers;

/// <summary>Rules on extended attribute names shared by the layer readers and writers.</summary>
internal static class XattrNames
{
    /// <summary>overlayfs' own attributes (trusted.overlay.*, user.overlay.* without privilege): never taken from an image or put into a layer.</summary>
    public static bool IsOverlays(string name) =>
        name.StartsWith("trusted.overlay.", StringComparison.Ordinal) || name.StartsWith("user.overlay.", StringComparison.Ordinal);

    /// <summary>The attributes a layer carries: <paramref name="xattrs"/> without overlay's own; null when none is left.</summary>
    public static SortedDictionary<string, byte[]>? Carried(IReadOnlyDictionary<string, byte[]>? xattrs)
    {
        SortedDictionary<string, byte[]>? carried = null;
        if (xattrs is not null)
        {
            foreach (var (name, value) in xattrs)
            {
                if (!IsOverlays(name))
                {
                    (carried ??= new SortedDictionary<string, byte[]>(StringComparer.Ordinal))[name] = value;
                }
            }
        }

        return carried;
    }
}
