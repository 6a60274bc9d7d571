namespace LayerTools.Core.Store;

/// <summary>Checking a store (Test-LayerStore) and removing what nothing references (Optimize-LayerStore).</summary>
internal static class StoreMaintenance
{
    /// <summary>Every problem found; nothing for a healthy store.</summary>
    public static IEnumerable<StoreProblem> Verify(LayerStore store, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        throw new LayerToolsException("NotImplemented", ErrorKind.NotImplemented, "Verify is not written yet.", store.Root);
    }

    /// <summary>Finds the blobs nothing references and, unless <paramref name="whatIf"/>, deletes them under the store lock.</summary>
    public static CollectResult Collect(LayerStore store, bool whatIf, CancellationToken cancellationToken = default)
    {
        throw new LayerToolsException("NotImplemented", ErrorKind.NotImplemented, "Collect is not written yet.", store.Root);
    }
}
