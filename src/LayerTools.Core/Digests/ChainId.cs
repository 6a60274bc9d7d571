namespace LayerTools.Core.Digests;

/// <summary>
/// ChainID(L0) = DiffID(L0); ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).
/// Names a stack of layers, base first.
/// </summary>
public static class ChainId
{
    public static string? Of(IEnumerable<string> diffIds)
    {
        string? chain = null;
        foreach (var diffId in diffIds)
        {
            chain = chain is null ? diffId : Digest.Of(chain + " " + diffId);
        }

        return chain;
    }

    /// <summary>The ChainID of every prefix of the stack, base first.</summary>
    public static IReadOnlyList<string> All(IEnumerable<string> diffIds)
    {
        var result = new List<string>();
        string? chain = null;
        foreach (var diffId in diffIds)
        {
            chain = chain is null ? diffId : Digest.Of(chain + " " + diffId);
            result.Add(chain);
        }

        return result;
    }
}
