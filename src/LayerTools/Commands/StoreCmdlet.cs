using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Digests;
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

    /// <summary>Finds an image given as a LayeredImage, a string (name[:tag], ID, digest, ID prefix) or an object with a Reference, Image or Id property.</summary>
    internal ResolvedImage Resolve(object input)
    {
        var value = input is PSObject pso ? pso.BaseObject : input;
        switch (value)
        {
            case LayeredImage image:
                return FromObject(image);
            case string text:
                return FromText(text, null, input);
            default:
                var (name, storePath) = NameOf(input is PSObject p ? p : PSObject.AsPSObject(value));
                if (name is null)
                {
                    throw new LayerToolsException(
                        "InvalidImageArgument",
                        ErrorKind.InvalidArgument,
                        $"A {value.GetType().Name} does not name an image; give a LayeredImage, a name:tag, an image ID or a digest.",
                        value);
                }

                return FromText(name, storePath, input);
        }
    }

    private ResolvedImage FromObject(LayeredImage image)
    {
        var catalog = Catalog(image.StorePath);
        var entries = catalog.List().Where(i => i.Manifest.Digest == image.ManifestDigest).ToList();
        var stored = entries.FirstOrDefault(i => i.Reference?.ToString() == image.Reference)
            ?? (image.Reference is null ? null : entries.FirstOrDefault());
        if (stored is null && image.Reference is null)
        {
            stored = entries.FirstOrDefault();
        }

        if (stored is null)
        {
            throw new LayerToolsException(
                "ImageNotFound",
                ErrorKind.ObjectNotFound,
                $"The image {image} ({Digest.Short(image.Id)}) is no longer in the store '{catalog.Store.Root}'. Get-LayeredImage lists the images there.",
                image);
        }

        return new ResolvedImage(catalog.Store, catalog, stored, ByTag: image.Reference is not null, image);
    }

    private ResolvedImage FromText(string text, string? storePath, object input)
    {
        var catalog = Catalog(storePath);
        var stored = catalog.Resolve(text);
        var byTag = stored.Reference is not null
            && ImageReference.TryParse(text.Trim(), out var parsed)
            && parsed!.ToString() == stored.Reference.ToString();
        return new ResolvedImage(catalog.Store, catalog, stored, byTag, input);
    }

    private static (string? Name, string? StorePath) NameOf(PSObject obj)
    {
        string? Text(string property) => obj.Properties[property]?.Value is { } v && v.ToString() is { Length: > 0 } s ? s : null;
        var name = Text("Reference") ?? Text("Image") ?? Text("Id");
        return (name, Text("StorePath"));
    }

    /// <summary>A progress sink writing Write-Progress records on this pipeline.</summary>
    internal CmdletProgress NewProgress() => new(this, Math.Abs(GetType().Name.GetHashCode(StringComparison.Ordinal) % 100_000) * 2);

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
