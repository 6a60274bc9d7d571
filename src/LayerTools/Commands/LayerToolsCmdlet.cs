using System.Management.Automation;
using LayerTools.Core;

namespace LayerTools.Commands;

/// <summary>
/// What every LayerTools cmdlet shares: Ctrl+C through a cancellation token, progress records, and
/// the core's failures as ErrorRecords. Subclasses override <see cref="Begin"/>, <see cref="Process"/> and <see cref="End"/>.
/// </summary>
public abstract class LayerToolsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>Cancelled when the user presses Ctrl+C.</summary>
    protected CancellationToken CancellationToken => _cancel.Token;

    protected override void BeginProcessing() => Guard(Begin, terminating: true);

    protected sealed override void ProcessRecord() => Guard(Process, terminating: false);

    protected sealed override void EndProcessing() => Guard(End, terminating: true);

    protected override void StopProcessing() => _cancel.Cancel();

    protected virtual void Begin()
    {
    }

    protected virtual void Process()
    {
    }

    protected virtual void End()
    {
    }

    /// <summary>A progress sink writing Write-Progress records on this pipeline.</summary>
    /// <param name="offset">Apart from the command's own records, for a second activity of the same command.</param>
    internal CmdletProgress NewProgress(int offset = 0) => new(this, (Math.Abs(GetType().Name.GetHashCode(StringComparison.Ordinal) % 100_000) * 2) + offset);

    /// <summary>Writes one failure for one item and goes on.</summary>
    internal void WriteLayerError(LayerToolsException ex, object? target = null) => WriteError(ErrorRecords.From(ex, target));

    /// <summary>Does <paramref name="action"/> for each item; a failure is written for its item and the rest go on.</summary>
    internal void ForEachItem(IEnumerable<string> items, Action<string> action)
    {
        foreach (var item in items)
        {
            try
            {
                action(item);
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, item);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread and, until it ends, runs here (on the pipeline
    /// thread, where PowerShell wants every Write* call) what it hands to its callback, in order: output
    /// streams to the pipeline as the work makes it. On Ctrl+C (or when a downstream command stops the
    /// pipeline) the work sees the cancellation token; it is given time to stop what it started and
    /// clean up before the pipeline stops.
    /// </summary>
    internal T RunOnWorker<T>(Func<Action<Action>, T> work)
    {
        var queue = new PipelineQueue();
        var task = Task.Run(() =>
        {
            try
            {
                return work(queue.Add);
            }
            finally
            {
                queue.Complete();
            }
        });

        try
        {
            foreach (var write in queue.Consume(CancellationToken))
            {
                write();
            }
        }
        catch
        {
            // Ctrl+C, or a downstream command that wants no more (Select-Object -First): stop the work too.
            _cancel.Cancel();
            Task.WaitAny(new Task[] { task }, TimeSpan.FromSeconds(60));
            throw;
        }

        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private void Guard(Action action, bool terminating)
    {
        try
        {
            action();
        }
        catch (LayerToolsException ex)
        {
            Fail(ErrorRecords.From(ex), terminating);
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(ErrorRecords.FromIO(ex, null), terminating);
        }
    }

    private void Fail(ErrorRecord record, bool terminating)
    {
        if (terminating)
        {
            ThrowTerminatingError(record);
        }
        else
        {
            WriteError(record);
        }
    }
}
