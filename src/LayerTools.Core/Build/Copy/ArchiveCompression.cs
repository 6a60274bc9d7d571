namespace LayerTools.Core.Build.Copy;

/// <summary>How a local file given to ADD is compressed, when it is a tar archive ADD extracts.</summary>
internal enum ArchiveCompression
{
    /// <summary>Not an archive ADD extracts: it is copied as a file.</summary>
    NotArchive,
    Tar,
    Gzip,
    Bzip2,
    Xz,
}
