namespace LayerTools.Core.Build.Copy;

/// <summary>Where COPY takes files from: the build context, or the files of a stage or an image.</summary>
internal interface ICopySource
{
    /// <summary>Names the source in messages ("build context", "stage builder").</summary>
    string Description { get; }

    CopySourceEntry? Get(string path);

    /// <summary>Everything under a directory (not itself), parents before children, ordinal order.</summary>
    IEnumerable<CopySourceEntry> Under(string directory);

    /// <summary>Every entry, ordinal order, for wildcard matching.</summary>
    IEnumerable<CopySourceEntry> All { get; }

    Stream Open(CopySourceEntry entry);

    /// <summary>The content digest of a regular file; reads it (once) only when no digest is known.</summary>
    string DigestOf(CopySourceEntry entry);

    /// <summary>Records a digest computed while the file was copied, so it is not read again.</summary>
    /// <returns>The string to keep for the digest (an equal one the source already held, or <paramref name="digest"/>).</returns>
    string Remember(CopySourceEntry entry, string digest);
}
