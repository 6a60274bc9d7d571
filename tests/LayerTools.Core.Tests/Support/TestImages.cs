using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Tests.Support;

/// <summary>Puts images straight into a store through the same staging path the importers use.</summary>
internal static class TestImages
{
    public static StoredImage Add(LayerStore store, string? reference, params TarBuilder[] layers)
    {
        using var staging = store.BeginStaging();
        var indexes = new List<LayerIndex>();
        var view = new LayerTools.Core.Union.UnionView();
        foreach (var layer in layers)
        {
            using var tar = layer.ToStream();
            var index = staging.AddLayer(tar, "layer" + indexes.Count, view);
            view.Apply(index);
            indexes.Add(index);
        }

        var history = indexes.Select((l, i) => new HistoryRecord(new DateTimeOffset(2024, 1, 1, 0, 0, i, TimeSpan.Zero), $"COPY layer{i} / # test", null, null, false)).ToList();
        var config = ConfigDocument.Create(indexes.Select(i => i.DiffId).ToList(), history, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var manifest = ImageWriter.Write(staging, config, indexes);
        var parsed = reference is null ? null : ImageReference.Parse(reference);
        var tagged = ImageCatalog.Tagged(manifest, parsed);
        staging.Commit(d => ImageCatalog.ApplyTag(d, tagged));
        return new StoredImage(tagged, parsed);
    }
}
