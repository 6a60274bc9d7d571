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
    internal CmdletProgress NewProgress() => new(this, Math.Abs(GetType().Name.GetHashCode(StringComparison.Ordinal) % 100_000) * 2);

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
