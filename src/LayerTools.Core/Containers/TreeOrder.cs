namespace LayerTools.Core.Containers;

/// <summary>Orders paths the way a layer tar lists them: component by component, ordinal, so a directory's whole subtree comes before its next sibling.</summary>
internal sealed class TreeOrder : IComparer<string>
{
    public static readonly TreeOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var i = 0;
        var n = Math.Min(x.Length, y.Length);
        while (i < n && x[i] == y[i])
        {
            i++;
        }

        if (i == x.Length || i == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        // '/' ends a component: it sorts before any other character.
        if (x[i] == '/')
        {
            return -1;
        }

        if (y[i] == '/')
        {
            return 1;
        }

        return x[i].CompareTo(y[i]);
    }
}
