using LayerTools.Core.HostFs;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Layers;

/// <summary>
/// One path of a host directory (a root file system or an overlay upper dir) that goes into a new
/// layer: its tar path, what it is, where its bytes are on the host, and its extended attributes
/// (overlay's own already removed).
/// </summary>
internal sealed class HostChange
{
    public required string Path { get; init; }

    public required EntryType Type { get; init; }

    public required FileStat Stat { get; init; }

    /// <summary>Absolute host path of a regular file's data (read with O_NOFOLLOW).</summary>
    public string? HostPath { get; init; }

    public string? LinkTarget { get; init; }

    public SortedDictionary<string, byte[]>? Xattrs { get; init; }

    /// <summary>The tar name: whiteouts as <c>.wh.</c> names, directories with a trailing slash.</summary>
    public string TarName => Type switch
    {
        EntryType.Whiteout => Whiteout.For(Path),
        EntryType.OpaqueWhiteout => Whiteout.OpaqueFor(Path),
        EntryType.Directory => Path + "/",
        _ => Path,
    };

    /// <summary>
    /// Tree order: component by component, so parents come before their children; within a
    /// directory the opaque marker first, then whiteouts, then the rest by ordinal name.
    /// </summary>
    public static int CompareTarNames(string a, string b)
    {
        var pa = a.TrimEnd('/').Split('/');
        var pb = b.TrimEnd('/').Split('/');
        for (var i = 0; i < Math.Min(pa.Length, pb.Length); i++)
        {
            var c = Rank(pa[i]).CompareTo(Rank(pb[i]));
            if (c == 0)
            {
                c = string.CompareOrdinal(pa[i], pb[i]);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return pa.Length.CompareTo(pb.Length);
    }

    private static int Rank(string name) =>
        name == Whiteout.Opaque ? 0 : name.StartsWith(Whiteout.Prefix, StringComparison.Ordinal) ? 1 : 2;
}
