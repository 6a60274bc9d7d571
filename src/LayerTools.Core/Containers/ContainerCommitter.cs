using System.Text.Json.Nodes;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Containers;

/// <summary>
/// docker commit: the container's writable layer becomes one new layer (written by
/// <see cref="ContainerLayerWriter"/>, then ingested), on a config and
/// history extending the image's. A container without changes adds an empty-layer history entry only.
/// </summary>
internal static class ContainerCommitter
{
    public static StoredImage Commit(ContainerView view, CommitOptions options, CancellationToken cancellationToken = default)
    {
        var store = view.Store;
        var catalog = new ImageCatalog(store);
        var manifest = catalog.ReadManifest(view.Record.ManifestDigest);
        var config = catalog.ReadConfig(manifest.Config.Digest);
        var state = ImageState.From(config);
        ChangeInstructions.Apply(state, options.Changes);
        var created = options.Created ?? DateTimeOffset.UtcNow;

        using var containerLock = view.Lock();
        using var staging = store.BeginStaging();
        var layers = config.DiffIds.Select(store.ReadLayerIndex).ToList();
        var empty = !view.HasChanges;
        if (!empty)
        {
            var index = IngestLayer(view, staging, cancellationToken);
            layers.Add(index);
            state.DiffIds.Add(index.DiffId);
        }

        var history = new JsonObject
        {
            ["created"] = JsonDocuments.FormatDate(created),
            ["created_by"] = CreatedBy(state, view),
        };
        if (options.Author is not null)
        {
            history["author"] = options.Author;
            state.Config["author"] = options.Author;
        }

        if (options.Message is not null)
        {
            history["comment"] = options.Message;
        }

        if (empty)
        {
            history["empty_layer"] = true;
        }

        state.History.Add(history);
        var configBytes = state.ToConfigBytes(created);
        var descriptor = ImageWriter.Write(staging, configBytes, layers);
        var tagged = ImageCatalog.Tagged(descriptor, options.Tag);
        staging.Commit(d => ImageCatalog.ApplyTag(d, tagged), cancellationToken);
        return new StoredImage(tagged, options.Tag);
    }

    /// <summary>
    /// Writes the layer straight into the staging area; the layer writer indexes it on the way, so
    /// there is no temp tar and no second pass.
    /// </summary>
    private static LayerIndex IngestLayer(ContainerView view, Store.StagingArea staging, CancellationToken cancellationToken) =>
        staging.AddLayer(tar => ContainerLayerWriter.Write(view, tar, cancellationToken));

    /// <summary>What Docker records for a commit: the command the container runs.</summary>
    private static string CreatedBy(ImageState state, ContainerView view)
    {
        var command = (JsonDocuments.GetStringArray(state.RuntimeConfig, "Entrypoint") ?? Array.Empty<string>())
            .Concat(JsonDocuments.GetStringArray(state.RuntimeConfig, "Cmd") ?? Array.Empty<string>())
            .ToList();
        return command.Count > 0 ? string.Join(' ', command) : "layertools commit " + view.Name;
    }
}
