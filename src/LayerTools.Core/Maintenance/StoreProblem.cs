namespace LayerTools.Core.Maintenance;

/// <summary>One thing <c>Test-LayerStore</c> found wrong.</summary>
public sealed class StoreProblem
{
    /// <summary>A stable name for the kind of problem: BlobDigestMismatch, MissingBlob, IndexMismatch, MissingIndex, UnreadableIndex, BrokenReference, DiffIdMismatch (a compressed layer blob that inflates to another layer than its DiffID), CorruptLayer (a compressed layer blob that cannot be inflated, or inflates past the layer limits), LooseMode (files or folders other users can reach).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The digest, reference or file concerned.</summary>
    public string Target { get; init; } = string.Empty;

    public string Message { get; init; } = string.Empty;

    public string? Path { get; init; }

    public override string ToString() => Kind + ": " + Message;
}
