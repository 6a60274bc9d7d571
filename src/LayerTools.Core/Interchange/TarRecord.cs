using LayerTools.Core.Layers;

namespace LayerTools.Core.Interchange;

/// <summary>
/// What one tar entry says about a path: the header fields LayerTools writes (no user or group
/// names, no access or change times). <see cref="Path"/> is clean and relative; directories get
/// their trailing '/' when written. <see cref="ModifiedTime"/> is in whole Unix seconds.
/// </summary>
internal sealed record TarRecord(string Path, EntryType Type, int Mode, long Size, long ModifiedTime, int Uid = 0, int Gid = 0, string? LinkTarget = null, int DevMajor = 0, int DevMinor = 0);
