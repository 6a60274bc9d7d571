using LayerTools.Core.Tar;

namespace LayerTools.Core.Interchange;

/// <summary>
/// One file of an image archive or directory: its clean relative path, its kind, and where its
/// bytes are (an offset into a tar, or a file on disk). Links carry their target as written.
/// </summary>
internal sealed record ArchiveEntry(string Path, EntryType Type, long Size, long DataOffset = 0, string? LinkTarget = null, string? FullPath = null);
