namespace LayerTools.Core.Layers;

/// <summary>The OCI whiteout names: <c>.wh.&lt;name&gt;</c> deletes a lower path, <c>.wh..wh..opq</c> makes a directory opaque.</summary>
internal static class Whiteout
{
    public const string Prefix = ".wh.";
    public const string MetaPrefix = ".wh..wh.";
    public const string Opaque = ".wh..wh..opq";

    /// <summary>The tar name that deletes <paramref name="path"/> from lower layers.</summary>
    public static string For(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? Prefix + path : path[..(slash + 1)] + Prefix + path[(slash + 1)..];
    }

    /// <summary>The tar name that makes <paramref name="directory"/> opaque.</summary>
    public static string OpaqueFor(string directory) => directory.Length == 0 ? Opaque : directory + "/" + Opaque;
}
