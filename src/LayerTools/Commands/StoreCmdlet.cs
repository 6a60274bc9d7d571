using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Images;
using LayerTools.Core.Store;

namespace LayerTools.Commands;

/// <summary>
/// What every LayerTools cmdlet shares: <c>-StorePath</c>, the store opened once per pipeline,
/// Ctrl+C through a cancellation token, and the core's failures as ErrorRecords.
/// Subclasses override <see cref="Begin"/>, <see cref="Process"/> and <see cref="End"/>.
/// </summary>
public abstract class StoreCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly Dictionary<string, (LayerStore Store, ImageCatalog Catalog)> _stores = new(StringComparer.Ordinal);
    private string? _explicitStore;

    /// <summary>The store folder; by default $env:LAYERTOOLS_STORE or the per-user data folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorePath { get; set; }

    /// <summary>Cancelled when the user presses Ctrl+C.</summary>
    protected CancellationToken CancellationToken => _cancel.Token;

    protected sealed override void BeginProcessing()
    {
        if (StorePath is not null)
        {
            _explicitStore = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StorePath);
        }

        Guard(Begin, terminating: true);
    }

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

    /// <summary>
    /// True for a cmdlet that only reads: its store is opened without creating one where there is
    /// none (that reads as an empty store), so a mistyped -StorePath leaves no folder behind.
    /// </summary>
    protected virtual bool OpensReadOnly => false;

    /// <summary>The store -StorePath names; else the one a piped object came from; else the default store.</summary>
    internal LayerStore Store(string? fromInput = null) => Open(fromInput).Store;

    internal ImageCatalog Catalog(string? fromInput = null) => Open(fromInput).Catalog;

    private (LayerStore Store, ImageCatalog Catalog) Open(string? fromInput)
    {
        var path = _explicitStore ?? (string.IsNullOrEmpty(fromInput) ? StorePaths.Default() : fromInput);
        if (_stores.TryGetValue(path, out var opened))
        {
            return opened;
        }

        LayerStore store;
        try
        {
            store = OpensReadOnly ? LayerStore.OpenReadOnly(path) : LayerStore.Open(path);
        }
        catch (LayerToolsException ex)
        {
            ThrowTerminatingError(ErrorRecords.From(ex, path));
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(ErrorRecords.FromIO(new IOException($"Cannot open the store '{path}': {ex.Message}", ex), path));
            throw;
        }

        opened = (store, new ImageCatalog(store));
        _stores[path] = opened;
        return opened;
    }

    /// <summary>A progress sink writing Write-Progress records on this pipeline.</summary>
    internal ProgressReporter NewProgress() => new(this, Math.Abs(GetType().Name.GetHashCode(StringComparison.Ordinal) % 100_000) * 2);

    /// <summary>Writes one failure for one item and goes on.</summary>
    internal void WriteLayerError(LayerToolsException ex, object? target = null) => WriteError(ErrorRecords.From(ex, target));

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
