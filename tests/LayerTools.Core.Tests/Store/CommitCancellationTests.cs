using LayerTools.Core.Digests;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

/// <summary>
/// A Ctrl+C that came before a commit took the store lock stops the commit: nothing staged becomes
/// visible and index.json is untouched (a pull stopped at "Committing to the store" tags nothing).
/// </summary>
public sealed class CommitCancellationTests
{
    [Fact]
    public void ACommitWhoseTokenWasCancelledBeforeItTookTheLockChangesNothing()
    {
        using var t = new TempStore();
        var bytes = "staged, then cancelled"u8.ToArray();
        var digest = Digest.Of(bytes);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var mutated = false;

        using (var staging = t.Store.BeginStaging())
        {
            Assert.Equal(digest, staging.AddBytes(bytes));
            Assert.ThrowsAny<OperationCanceledException>(() => staging.Commit(_ => mutated = true, cancelled.Token));
        }

        Assert.False(mutated);
        Assert.False(t.Store.HasBlob(digest));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }
}
