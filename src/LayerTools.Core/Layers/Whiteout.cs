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

    /// <summary>
    /// Refuses a real file whose name starts with <c>.wh.</c> on its way into a layer (formats.md): a
    /// layer cannot store it, since every reader takes that name as a deletion.
    /// </summary>
    public static void RefuseRealFile(string path, string where)
    {
        var slash = path.LastIndexOf('/');
        if (path.AsSpan(slash + 1).StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new LayerToolsException("WhiteoutNameInLayer", ErrorKind.InvalidData, $"{where}: '/{path}' is a real file whose name starts with '{Prefix}'; a layer cannot store it, because every image reader takes that name as a deletion. Rename or remove it.", path);
        }
    }
}
