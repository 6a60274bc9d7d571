namespace LayerTools.Core.Layers;

/// <summary>Rules on extended attribute names shared by the layer readers and writers.</summary>
internal static class XattrNames
{
    /// <summary>overlayfs' own attributes (trusted.overlay.*, user.overlay.* without privilege): never taken from an image or put into a layer.</summary>
    public static bool IsOverlays(string name) =>
        name.StartsWith("trusted.overlay.", StringComparison.Ordinal) || name.StartsWith("user.overlay.", StringComparison.Ordinal);
}
