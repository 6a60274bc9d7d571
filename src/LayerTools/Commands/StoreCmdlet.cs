using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;

namespace LayerTools.Commands;

/// <summary>
/// What every cmdlet that works on a store shares: <c>-StorePath</c>, and the store opened once per
/// pipeline (Ctrl+C and error records come from <see cref="LayerToolsCmdlet"/>).
/// </summary>
public abstract class StoreCmdlet : LayerToolsCmdlet
{
    private readonly Dictionary<string, (LayerStore Store, ImageCatalog Catalog)> _stores = new(StringComparer.Ordinal);
    private string? _explicitStore;

    /// <summary>The store folder; by default $env:LAYERTOOLS_STORE or the per-user data folder.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StorePath { get; set; }

    protected sealed override void BeginProcessing()
    {
        if (StorePath is not null)
        {
            _explicitStore = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StorePath);
        }

        base.BeginProcessing();
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

        // An image may stand on remote layers (a FROM base a build read without its layers): the
        // first command that reads their files fetches them from their registry, as this command signs in.
        store.RemoteFetcher = RemoteFetcher(NewProgress(RemoteFetchProgressOffset), PipelineVerbose());
        opened = (store, new ImageCatalog(store));
        _stores[path] = opened;
        return opened;
    }

    /// <summary>Where the progress records of a remote-layer fetch are numbered, apart from the command's own.</summary>
    private const int RemoteFetchProgressOffset = 100;

    /// <summary>How this command signs in to registries: its -Credential and -SkipCertificateCheck (see <see cref="IRegistryParameters"/>), else the saved credentials.</summary>
    internal RegistrySignIn SignIn => this is IRegistryParameters p ? RegistryAccess.SignIn(p.Credential, p.SkipCertificateCheck) : RegistrySignIn.Saved;

    /// <summary>A fetcher of remote layers for this command: its sign-in, its Ctrl+C, progress and verbose output where given.</summary>
    internal RegistryLayerFetcher RemoteFetcher(IProgress<OperationProgress>? progress, Action<string>? verbose) =>
        new() { SignIn = SignIn, Progress = progress, CancellationToken = CancellationToken, Log = verbose };

    /// <summary>Verbose output from the pipeline thread; a message from another thread (a worker the command started) is dropped.</summary>
    private Action<string> PipelineVerbose()
    {
        var thread = Environment.CurrentManagedThreadId;
        return message =>
        {
            if (Environment.CurrentManagedThreadId == thread)
            {
                WriteVerbose(message);
            }
        };
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

    /// <summary>Whether a reference that names a registry and is not in the store is read from that registry (manifest and config only; see <see cref="RegistryAccess.ReadImage"/>).</summary>
    protected virtual bool ReadsRegistryReferences => false;

    private ResolvedImage FromText(string text, string? storePath, object input)
    {
        var catalog = Catalog(storePath);
        StoredImage stored;
        try
        {
            stored = catalog.Resolve(text);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ImageNotFound" && ReadsRegistryReferences)
        {
            var remote = RegistryAccess.ReadImage(this, SignIn, catalog.Store, text, CancellationToken);
            if (remote is null)
            {
                throw;
            }

            return new ResolvedImage(catalog.Store, catalog, remote, ByTag: false, input);
        }

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
}
