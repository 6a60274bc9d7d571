using LayerTools.Core.Registry;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// The transfer queue: no more transfers at once than its places, and a transfer given its own
/// thread (a push's config) runs beside them without taking one, as docker sends the config outside
/// max-concurrent-uploads.
/// </summary>
public sealed class TransferQueueTests
{
    [Fact]
    public void A_transfer_beside_the_places_runs_while_every_place_is_taken()
    {
        using var bothRunning = new ManualResetEventSlim();
        using var configDone = new ManualResetEventSlim();
        var gate = new object();
        int running = 0, most = 0;
        var seenBothRunning = false;
        var done = new bool[7];
        using (var queue = new TransferQueue(done.Length, parallelism: 2, (i, token) =>
        {
            if (i == 0)
            {
                // Its place is its own: both places hold a layer while it runs.
                seenBothRunning = bothRunning.Wait(TimeSpan.FromSeconds(20), token);
                configDone.Set();
            }
            else
            {
                lock (gate)
                {
                    most = Math.Max(most, ++running);
                    if (running == 2)
                    {
                        bothRunning.Set();
                    }
                }

                // The first two wait for the config, so both places stay taken while it runs.
                if (i <= 2)
                {
                    configDone.Wait(TimeSpan.FromSeconds(20), token);
                }

                lock (gate)
                {
                    running--;
                }
            }

            done[i] = true;
        }, CancellationToken.None, beside: 1))
        {
            queue.WaitAll(() => { });
        }

        Assert.True(seenBothRunning, "the config ran while both places held a layer");
        Assert.Equal(2, most);
        Assert.All(done, Assert.True);
    }

    [Fact]
    public void Without_one_beside_the_places_are_all_there_is()
    {
        var gate = new object();
        int running = 0, most = 0;
        using (var queue = new TransferQueue(6, parallelism: 3, (i, token) =>
        {
            lock (gate)
            {
                most = Math.Max(most, ++running);
            }

            Thread.Sleep(50);
            lock (gate)
            {
                running--;
            }
        }, CancellationToken.None))
        {
            queue.WaitAll(() => { });
        }

        Assert.InRange(most, 1, 3);
    }
}
