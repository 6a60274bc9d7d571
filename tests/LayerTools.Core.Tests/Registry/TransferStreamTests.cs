using LayerTools.Core.Registry;

namespace LayerTools.Core.Tests.Registry;

public sealed class TransferStreamTests
{
    /// <summary>
    /// A transfer stopped before it reads (when one layer of a pull fails, the others are stopped) is
    /// cancelled, not a body that ended: the stop disposes the response, and .NET's content stream then
    /// reads 0 bytes, which a pull took for a blob shorter than its manifest says: a good layer's
    /// SizeMismatch ("the blob is 0 bytes") was reported instead of the bad layer's DigestMismatch
    /// (RegistryTransferTests.ABadLayerAmongParallelDownloadsLeavesTheStoreUnchanged, 6 in 150 under load).
    /// </summary>
    [Fact]
    public void AReadAfterTheStopIsCancelled_NotTheEndOfTheBody()
    {
        var blob = new byte[64 * 1024];
        new Random(1).NextBytes(blob);
        using var hostile = new HostileRegistry(new() { ["/v2/evil/blobs/some"] = ("application/octet-stream", blob) });
        using var http = new HttpClient();
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, $"http://{hostile.Host}/v2/evil/blobs/some"), HttpCompletionOption.ResponseHeadersRead);
        using var stop = new CancellationTokenSource();
        using var transfer = new TransferStream(response, TimeSpan.FromMinutes(5), "some", stop.Token);
        stop.Cancel();

        // Bytes the connection had already taken in may still be handed out; what follows is not an end.
        var buffer = new byte[1024];
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            while (transfer.Read(buffer.AsSpan()) > 0)
            {
            }
        });
    }
}
