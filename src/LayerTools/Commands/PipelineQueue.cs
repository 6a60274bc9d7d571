using System.Collections.Concurrent;

namespace LayerTools.Commands;

/// <summary>
/// What a cmdlet's worker hands to the pipeline thread (see <see cref="LayerToolsCmdlet.RunOnWorker{T}"/>),
/// in order. The pipeline thread blocks without spinning: a BlockingCollection's semaphore spun and
/// yielded about a thousand times during a no-op rebuild, taking a core from the work it waited for.
/// </summary>
internal sealed class PipelineQueue
{
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly ManualResetEventSlim _ready = new(false, spinCount: 0); // not disposed: a worker that outlives the wait may still set it
    private volatile bool _completed;

    /// <summary>Queues an action; ignored once the worker has completed.</summary>
    public void Add(Action action)
    {
        if (_completed)
        {
            return;
        }

        _queue.Enqueue(action);
        _ready.Set();
    }

    /// <summary>No more actions come: <see cref="Consume"/> ends once it has run the queued ones.</summary>
    public void Complete()
    {
        _completed = true;
        _ready.Set();
    }

    /// <summary>The actions as they come, until <see cref="Complete"/>; throws OperationCanceledException when <paramref name="cancellationToken"/> is cancelled.</summary>
    public IEnumerable<Action> Consume(CancellationToken cancellationToken)
    {
        while (true)
        {
            _ready.Wait(cancellationToken);
            _ready.Reset();
            var completed = _completed;
            while (_queue.TryDequeue(out var action))
            {
                yield return action;
            }

            if (completed)
            {
                yield break;
            }
        }
    }
}
