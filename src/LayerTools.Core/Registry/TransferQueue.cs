using System.Runtime.ExceptionServices;

namespace LayerTools.Core.Registry;

/// <summary>
/// Runs a pull's or a push's blob transfers a few at a time (as docker and skopeo do), started in
/// their order, while the caller's thread waits for them one by one and reports progress (progress
/// records go out on the caller's thread only). The first failure stops the others; what is thrown
/// is the failure of the earliest transfer that failed, or the cancellation when Ctrl+C stopped them.
/// Disposing stops and waits for every transfer, so none writes after its caller has cleaned up.
/// </summary>
internal sealed class TransferQueue : IDisposable
{
    /// <summary>How often a waiting caller is given a chance to report progress.</summary>
    private static readonly TimeSpan TickEvery = TimeSpan.FromMilliseconds(200);

    private readonly CancellationToken _outer;
    private readonly CancellationTokenSource _stop;
    private readonly Action<int, CancellationToken> _run;
    private readonly ManualResetEventSlim[] _done;
    private readonly Exception?[] _failures;
    private readonly Task[] _workers;
    private int _next = -1;
    private volatile bool _failed;

    /// <param name="count">How many transfers.</param>
    /// <param name="parallelism">How many run at once.</param>
    /// <param name="run">One transfer, by its index.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    /// <param name="beside">The first transfers that each run at once on a thread of their own, beside the
    /// <paramref name="parallelism"/> others (a push's config, as docker sends it outside its
    /// max-concurrent-uploads): a small blob does not hold one of the layers' places.</param>
    public TransferQueue(int count, int parallelism, Action<int, CancellationToken> run, CancellationToken cancellationToken, int beside = 0)
    {
        beside = Math.Clamp(beside, 0, count);
        _outer = cancellationToken;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _run = run;
        _done = Enumerable.Range(0, count).Select(_ => new ManualResetEventSlim()).ToArray();
        _failures = new Exception?[count];
        _next = beside - 1;
        _workers = Enumerable.Range(0, beside)
            .Select(index => Task.Factory.StartNew(() => Transfer(index), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .Concat(Enumerable.Range(0, count > beside ? Math.Clamp(parallelism, 1, count - beside) : 0)
                .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)))
            .ToArray();
    }

    /// <summary>Waits until transfer <paramref name="index"/> is done, calling <paramref name="tick"/> now and then; throws when any transfer failed.</summary>
    public void WaitFor(int index, Action tick)
    {
        while (!_done[index].Wait(TickEvery) && !_failed)
        {
            tick();
        }

        tick();
        ThrowIfFailed();
    }

    /// <summary>Waits for every transfer (see <see cref="WaitFor"/>).</summary>
    public void WaitAll(Action tick)
    {
        for (var i = 0; i < _done.Length; i++)
        {
            WaitFor(i, tick);
        }
    }

    private void Work()
    {
        int index;
        while ((index = Interlocked.Increment(ref _next)) < _done.Length)
        {
            Transfer(index);
        }
    }

    private void Transfer(int index)
    {
        try
        {
            _stop.Token.ThrowIfCancellationRequested();
            _run(index, _stop.Token);
        }
        catch (Exception ex)
        {
            _failures[index] = ex;
            _failed = true;
            _stop.Cancel();
        }
        finally
        {
            _done[index].Set();
        }
    }

    private void ThrowIfFailed()
    {
        if (!_failed)
        {
            return;
        }

        _stop.Cancel();
        Task.WaitAll(_workers);
        _outer.ThrowIfCancellationRequested();
        var first = _failures.FirstOrDefault(f => f is not null and not OperationCanceledException) ?? _failures.First(f => f is not null);
        ExceptionDispatchInfo.Capture(first!).Throw();
    }

    public void Dispose()
    {
        _stop.Cancel();
        Task.WaitAll(_workers);
        _stop.Dispose();
        foreach (var done in _done)
        {
            done.Dispose();
        }
    }
}
