using LayerTools.Core.Build.Cache;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// What a build can export as a cache image (-CacheTo): every cache step it looked up or remembered,
/// in every stage, and the layer stack (DiffIDs, base first) of every stage it built, which gives each
/// layer the layers below it.
/// </summary>
internal sealed record CacheExport(IReadOnlyList<(string Key, CacheRecord Record)> Steps, IReadOnlyList<IReadOnlyList<string>> Stacks);
