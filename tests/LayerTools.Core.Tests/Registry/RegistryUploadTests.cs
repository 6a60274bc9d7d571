using LayerTools.Core.Registry;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// What the pusher makes of the registry's answers to an upload, against <see cref="HostileRegistry"/>:
/// a Docker-Content-Digest other than the digest sent stops the push before anything is tagged, and an
/// upload given up (a failure, Ctrl+C) is cancelled with DELETE, the original error unchanged.
/// </summary>
public sealed class RegistryUploadTests
{
    /// <summary>A blob's PUT answered with another digest stops the push before the manifest (none sent); a manifest's is an error too.</summary>
    [Theory]
    [InlineData("/upload/", 0, "nothing was tagged")]
    [InlineData("/v2/evil/manifests/", 1, "check the tag")]
    public void AnUploadTheRegistrySaysItStoredUnderAnotherDigestIsADigestMismatch(string misstated, int manifestsSent, string consequence)
    {
        using var temp = new TempStore();
        var image = RegistryTransferTests.RandomImage(temp, 64 * 1024);
        using var hostile = new HostileRegistry([]) { MisstatesDigestOf = misstated };

        var error = Assert.Throws<LayerToolsException>(() => RegistryTransferTests.Push(temp, image, hostile.Host, new RegistryOptions()));

        Assert.Equal("DigestMismatch", error.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        Assert.Contains(HostileRegistry.OtherDigest, error.Message, StringComparison.Ordinal);
        Assert.Contains(consequence, error.Message, StringComparison.Ordinal);
        Assert.Equal(manifestsSent, hostile.Uploads.Count(u => u.StartsWith("PUT /v2/evil/manifests/1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task APushCancelledMidUploadCancelsEveryUploadItOpened()
    {
        using var temp = new TempStore();
        var image = RegistryTransferTests.RandomImage(temp, 1024 * 1024);
        using var hostile = new HostileRegistry([]) { UploadReadDelay = TimeSpan.FromSeconds(2) };
        using var cancel = new CancellationTokenSource();

        // Ctrl+C once the config's PUT and the layer's streamed PATCH are both under way (or after 30 s).
        var stopper = Task.Run(() =>
        {
            SpinWait.SpinUntil(() => hostile.UploadsSoFar().Count(u => u.StartsWith("PUT /upload/", StringComparison.Ordinal) || u.StartsWith("PATCH /upload/", StringComparison.Ordinal)) == 2, TimeSpan.FromSeconds(30));
            cancel.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => RegistryTransferTests.Push(temp, image, hostile.Host, new RegistryOptions(), cancel.Token));
        await stopper;

        Assert.NotEmpty(Opened(hostile));
        Assert.Equal(Opened(hostile), Deleted(hostile));
    }

    /// <summary>The uploads POST opened, by path, in order.</summary>
    internal static List<string> Opened(HostileRegistry hostile) => hostile.Opened.Order(StringComparer.Ordinal).ToList();

    /// <summary>The uploads cancelled with DELETE, by path, in order.</summary>
    internal static List<string> Deleted(HostileRegistry hostile) =>
        hostile.Uploads.ToArray().Where(u => u.StartsWith("DELETE ", StringComparison.Ordinal)).Select(u => u.Split(' ')[1]).Order(StringComparer.Ordinal).ToList();
}
