using LayerTools.Core.Containers;
using LayerTools.Core.Analysis;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Tests.Containers;
using LayerTools.Core.Tests.Support;
using Xunit;

namespace LayerTools.Core.Tests.Analysis;

/// <summary>One hex-prefix rule for images, layers and containers: 1 to 64 hex digits, sha256: optional, either case.</summary>
public sealed class ReferenceResolverTests
{
    [Fact]
    public void ImagesLayersAndContainersAreFoundByTheSamePrefixRule()
    {
        using var t = new TempStore();
        var stored = ContainerTestImage.Add(t);
        var catalog = new ImageCatalog(t.Store);
        var resolver = new ReferenceResolver(t.Store, catalog);
        var imageHex = Digest.Hex(catalog.ConfigDigestOf(stored));
        var diffId = catalog.Layers(stored)[0].DiffId;
        var container = new ContainerStore(t.Store).Create(ContainerTestImage.Reference, "web");

        Assert.Equal(stored.Manifest.Digest, resolver.Resolve(imageHex[..8].ToUpperInvariant(), null).Image!.Manifest.Digest);
        Assert.Equal(diffId, resolver.Resolve("SHA256:" + Digest.Hex(diffId)[..10], null).DiffId);
        Assert.Equal(container.Id, new ContainerStore(t.Store).Get(" " + container.Id[..6].ToUpperInvariant()).Id);
        Assert.Equal("web", resolver.Resolve("web", null).Container);

        // A container's exact name wins over the image ID and layer DiffIDs it could begin.
        new ContainerStore(t.Store).Create(ContainerTestImage.Reference, imageHex[..1]);
        Assert.Equal(imageHex[..1], resolver.Resolve(imageHex[..1], null).Container);

        // Something that is not hex digits is no prefix, for any of them.
        LayerAssert.Throws("ImageNotFound", () => catalog.Resolve(imageHex[..3] + "x"));
        Assert.Empty(resolver.LayersBeginning(Digest.Hex(diffId)[..3] + "x"));
        LayerAssert.Throws("ContainerNotFound", () => new ContainerStore(t.Store).Get(container.Id[..3] + "x"));
        LayerAssert.Throws("ComparisonSideNotFound", () => resolver.Resolve(Digest.Hex(diffId)[..3] + "x", null));
    }
}
