using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Lists the images of a store, like <c>docker images</c>; with -Raw, their manifest or config JSON as stored, like <c>crane manifest</c> and <c>crane config</c>.</summary>
[Cmdlet(VerbsCommon.Get, "LayeredImage")]
[OutputType(typeof(LayeredImage), typeof(string))]
public sealed class GetLayeredImageCommand : StoreCmdlet
{
    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    private readonly List<string> _names = new();

    /// <summary>Names, name:tag references, image IDs or ID prefixes; wildcards match the reference, the name and the short ID.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Reference")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Writes each image's manifest or config JSON as stored (a string), instead of the image.</summary>
    [Parameter]
    public ImageDocument? Raw { get; set; }

    protected override void Process()
    {
        if (Name is not null)
        {
            _names.AddRange(Name);
        }
    }

    protected override void End()
    {
        var catalog = Catalog();
        var all = catalog.List()
            .Select(stored => (Stored: stored, Image: Load(catalog, stored)))
            .Where(x => x.Image is not null)
            .Select(x => (x.Stored, Image: x.Image!))
            .ToList();
        IEnumerable<(StoredImage Stored, LayeredImage Image)> selected;
        if (_names.Count == 0)
        {
            selected = all;
        }
        else
        {
            var chosen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in _names)
            {
                chosen.UnionWith(Match(catalog, all, name).Select(Key));
            }

            selected = all.Where(x => chosen.Contains(Key(x.Stored)));
        }

        foreach (var (stored, image) in selected
            .OrderByDescending(x => x.Image.Created ?? DateTimeOffset.MinValue)
            .ThenBy(x => x.Image.Reference ?? "~" + x.Image.Id, StringComparer.Ordinal))
        {
            WriteObject(Raw is { } document ? catalog.RawJson(stored, document) : image);
        }
    }

    private List<StoredImage> Match(ImageCatalog catalog, List<(StoredImage Stored, LayeredImage Image)> all, string name)
    {
        if (WildcardPattern.ContainsWildcardCharacters(name))
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return all.Where(x => (x.Image.Reference is { } r && pattern.IsMatch(r))
                    || (x.Image.Name is { } n && pattern.IsMatch(n))
                    || pattern.IsMatch(x.Image.ShortId))
                .Select(x => x.Stored)
                .ToList();
        }

        // A bare name lists every tag of it, as `docker images app` does.
        var byName = all.Where(x => string.Equals(x.Image.Name, name, StringComparison.Ordinal)).Select(x => x.Stored).ToList();
        if (byName.Count > 0)
        {
            return byName;
        }

        try
        {
            var stored = catalog.Resolve(name);
            var byTag = IsReferenceTo(name, stored);
            return all.Where(x => byTag
                    ? Key(x.Stored) == Key(stored)
                    : x.Stored.Manifest.Digest == stored.Manifest.Digest)
                .Select(x => x.Stored)
                .ToList();
        }
        catch (LayerToolsException ex)
        {
            WriteLayerError(ex, name);
            return new List<StoredImage>();
        }
    }

    private static string Key(StoredImage stored) => stored.Manifest.Digest + " " + stored.Reference;

    /// <summary>True when <paramref name="text"/> named the image by its tag (not by an ID, which covers every tag).</summary>
    private static bool IsReferenceTo(string text, StoredImage stored) =>
        stored.Reference is not null && ImageReference.TryParse(text, out var parsed) && parsed!.ToString() == stored.Reference.ToString();

    private LayeredImage? Load(ImageCatalog catalog, StoredImage stored)
    {
        try
        {
            return catalog.Load(stored);
        }
        catch (LayerToolsException ex)
        {
            WriteLayerError(ex, stored.Reference?.ToString() ?? stored.Manifest.Digest);
            return null;
        }
    }
}
