using LayerTools.Core.Images;

namespace LayerTools.Core.Analysis;

/// <summary>What a reference a user typed names in a store: exactly one of an image, a layer (by DiffID) or a container (by name or ID).</summary>
internal sealed class StoreReference
{
    private StoreReference(StoredImage? image, string? diffId, string? container)
    {
        Image = image;
        DiffId = diffId;
        Container = container;
    }

    public StoredImage? Image { get; }

    public string? DiffId { get; }

    /// <summary>The container's name or ID, as given.</summary>
    public string? Container { get; }

    public static StoreReference ForImage(StoredImage image) => new(image, null, null);

    public static StoreReference ForLayer(string diffId) => new(null, diffId, null);

    public static StoreReference ForContainer(string nameOrId) => new(null, null, nameOrId);
}
