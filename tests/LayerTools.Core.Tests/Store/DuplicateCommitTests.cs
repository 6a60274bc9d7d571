using LayerTools.Core.Digests;
using LayerTools.Core.Maintenance;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

/// <summary>
/// A blob committed while the store got the same blob from another command meanwhile (two pulls of one
/// layer): the store keeps its copy, and the staged duplicate is deleted by the committer only after it
/// let go of the store lock (unlinking a large layer takes a while; other writers wait for the lock).
/// </summary>
public sealed class DuplicateCommitTests
{
    [Fact]
    public void MoveIntoPlaceLeavesADuplicateToItsCallerAndTheStoresCopyAsItWas()
    {
        using var t = new TempStore();
        var bytes = "the same content"u8.ToArray();
        var digest = Digest.Of(bytes);
        t.Store.Access.CreateFolder(t.Store.BlobsDir);
        File.WriteAllBytes(t.Store.BlobPath(digest), bytes);
        var stored = new FileInfo(t.Store.BlobPath(digest)).LastWriteTimeUtc;
        var source = Path.Combine(t.Parent, "duplicate");
        File.WriteAllBytes(source, bytes);

        Assert.False(AtomicFile.MoveIntoPlace(source, t.Store.BlobPath(digest), t.Store.Access));

        Assert.True(File.Exists(source));
        Assert.Equal(bytes, File.ReadAllBytes(t.Store.BlobPath(digest)));
        Assert.Equal(stored, new FileInfo(t.Store.BlobPath(digest)).LastWriteTimeUtc);
    }

    [Fact]
    public void ACommitOfABlobAnotherCommandCommittedMeanwhileKeepsTheStoresCopyAndDeletesItsOwn()
    {
        using var t = new TempStore();
        var bytes = new byte[1 << 20];
        Random.Shared.NextBytes(bytes);
        var digest = Digest.Of(bytes);

        using var first = t.Store.BeginStaging();
        var staged = first.CreateTempPath();
        File.WriteAllBytes(staged, bytes);
        first.AdoptBlob(staged, digest);

        using (var second = t.Store.BeginStaging())
        {
            Assert.Equal(digest, second.AddBytes(bytes));
            second.Commit(null);
        }

        var placed = new FileInfo(t.Store.BlobPath(digest)).LastWriteTimeUtc;
        first.Commit(null);

        // Deleted by the commit itself (after the lock), not left for the staging area's disposal.
        Assert.False(File.Exists(staged));
        Assert.True(t.Store.HasBlob(digest));
        Assert.Equal(placed, new FileInfo(t.Store.BlobPath(digest)).LastWriteTimeUtc);
        Assert.Equal(bytes, File.ReadAllBytes(t.Store.BlobPath(digest)));
        Assert.Empty(StoreMaintenance.Verify(t.Store));
    }
}
