namespace LayerTools.Core.Oci;

/// <summary>One entry of a config's <c>history</c> array, as stored.</summary>
internal sealed record HistoryRecord(DateTimeOffset? Created, string? CreatedBy, string? Author, string? Comment, bool EmptyLayer);
